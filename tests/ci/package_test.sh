#!/usr/bin/env bash
# The Debian package, built and used as a storage node would: ci/package.sh makes it; its contents
# (dpkg-deb -c), control fields and lintian are checked; it is extracted into a temporary root
# (dpkg-deb -x) and the extracted binary is run with the source and build trees out of reach.
#
# What "out of reach" proves: (1) `strings` finds neither tree's path in the packaged binary, so
# none is compiled in; (2) in a private mount namespace, empty tmpfs mounts hide the source tree
# and the build tree, and from / with a clean environment the extracted feedbench prints its
# version, runs the smoke suite (one repetition) on a temporary data directory, records and
# compares its results, refuses a bad FEEDBENCH_SUITES_DIR and an unknown suite (exit 2), the
# installed ci/storage-node.sh gates a run with `feedbench` from PATH, and the installed bash
# completion offers every subcommand `feedbench --help` lists. The mounts vanish with the
# namespace; nothing is renamed and nothing is installed on the system. A baseline takes only
# undisturbed runs: when other work on the node disturbed every smoke run (four tries), compare
# and storage-node.sh cannot be checked and the test is skipped (exit 77), saying so.
#
# Usage: tests/ci/package_test.sh SOURCE_DIR BUILD_DIR
# Exit: 0 pass, 1 a check failed, 77 skipped (not root: no mount namespace; or a busy node).
set -uo pipefail
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
tmp=$(mktemp -d /var/tmp/feedbench-package-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

deb=$(FEEDBENCH_BUILD_DIR=$build "$src/ci/package.sh" "$tmp/out" | tail -n 1)
if [[ ! -f $deb ]]; then
  echo "FAIL: ci/package.sh made no package" >&2
  exit 1
fi
version=$(dpkg-deb -f "$deb" Version)
[[ $(basename "$deb") == "feedbench_${version}_amd64.deb" ]] ||
  fail "package file $(basename "$deb") is not feedbench_${version}_amd64.deb"
echo "package: $deb ($(stat -c %s "$deb") bytes)"

# Contents.
contents=$(dpkg-deb -c "$deb" | awk '{print $6}')
for path in ./usr/bin/feedbench ./usr/share/feedbench/suites/smoke.json \
  ./usr/share/feedbench/ci/storage-node.sh ./usr/share/feedbench/ci/examples/github-actions.yml \
  ./usr/share/feedbench/ci/examples/Jenkinsfile ./usr/share/feedbench/ci/examples/.gitlab-ci.yml \
  ./usr/share/doc/feedbench/copyright ./usr/share/doc/feedbench/changelog.gz \
  ./usr/share/doc/feedbench/README.md ./usr/share/man/man1/feedbench.1.gz \
  ./usr/share/bash-completion/completions/feedbench; do
  grep -qxF "$path" <<<"$contents" || fail "the package has no $path"
done
for suite in "$src"/workloads/suites/*.json; do
  grep -qxF "./usr/share/feedbench/suites/$(basename "$suite")" <<<"$contents" ||
    fail "the package lacks the shipped suite $(basename "$suite")"
done

# Control fields: Depends from dpkg-shlibdeps (the libraries the binary links), Recommends.
depends=$(dpkg-deb -f "$deb" Depends)
for lib in libc6 libstdc++6 liblmdb0 libfmt9 libxxhash0; do
  [[ $depends == *"$lib "* || $depends == *"$lib," || $depends == *"$lib" ]] ||
    fail "Depends lacks $lib: $depends"
done
[[ $(dpkg-deb -f "$deb" Recommends) == "fio, sysstat, libjs-chart.js" ]] ||
  fail "Recommends is '$(dpkg-deb -f "$deb" Recommends)', expected 'fio, sysstat, libjs-chart.js'"

# lintian: no error (warnings and notes are printed for the log).
lintian_out=$(lintian "$deb" 2>&1)
echo "lintian: ${lintian_out:-(nothing)}"
if grep -q '^E: ' <<<"$lintian_out"; then fail "lintian reports errors"; fi

# The extracted binary carries no path of the source or build tree.
root=$tmp/root
dpkg-deb -x "$deb" "$root"
bin=$root/usr/bin/feedbench
for tree in "$src" "$build"; do
  if strings -a "$bin" | grep -qF "$tree"; then fail "the binary holds the path $tree"; fi
done

if [[ $(id -u) -ne 0 ]]; then
  echo "skipped: hiding the source and build trees needs a mount namespace (root)"
  ((failures == 0)) && exit 77
  exit 1
fi

# In a private mount namespace: hide both trees, then run everything from / with a clean
# environment. Each step prints "ok: ..." or "FAIL: ..."; the namespace's exit is the count.
mkdir -p "$tmp/work" "$tmp/tmp"
cat >"$tmp/node.sh" <<'NODE'
set -u
failures=0
step() {  # description expected-exit expected-output-substring command...
  local what=$1 want=$2 text=$3 out rc
  shift 3
  out=$("$@" 2>&1)
  rc=$?
  if [[ $rc -ne $want || $out != *"$text"* ]]; then
    echo "FAIL: $what: exit $rc (expected $want), output lacks '$text':"
    echo "$out" | tail -n 20
    failures=$((failures + 1))
  else
    echo "ok: $what"
  fi
}
mount -t tmpfs -o size=1m,mode=0700 feedbench-hidden "$SRC_TREE"
mount -t tmpfs -o size=1m,mode=0700 feedbench-hidden "$BUILD_TREE"
for tree in "$SRC_TREE" "$BUILD_TREE"; do
  if [[ -n $(ls -A "$tree") ]]; then echo "FAIL: $tree is not hidden"; exit 1; fi
done
cd /
step "--version" 0 "feedbench $VERSION" feedbench --version
step "FEEDBENCH_SUITES_DIR pointing nowhere" 2 "FEEDBENCH_SUITES_DIR=$T/nowhere" \
  env FEEDBENCH_SUITES_DIR="$T/nowhere" feedbench run --suite smoke --data-dir "$T/data"
step "FEEDBENCH_SUITES_DIR without suites" 2 "FEEDBENCH_SUITES_DIR=$T/work: holds no suite" \
  env FEEDBENCH_SUITES_DIR="$T/work" feedbench run --suite smoke --data-dir "$T/data"
step "a suite that is not installed" 2 "shipped suites: ci, layouts, qualify, smoke" \
  feedbench run --suite nightly --data-dir "$T/data"
# The completion script offers every subcommand `feedbench --help` lists.
subcommands=$(feedbench --help | sed -n '/^Subcommands:/,$p' | awk 'NR > 1 && /^  [a-z]/ {print $1}')
offered=$(bash -c 'source "$1"; COMP_WORDS=(feedbench ""); COMP_CWORD=1; _feedbench
  printf "%s\n" "${COMPREPLY[@]}"' _ "$ROOT/usr/share/bash-completion/completions/feedbench")
missing=$(comm -23 <(sort <<<"$subcommands") <(sort <<<"$offered"))
if [[ -z $subcommands || -n $missing ]]; then
  echo "FAIL: completion: subcommands '$subcommands', missing '$missing'"
  failures=$((failures + 1))
else
  echo "ok: completion offers $(wc -l <<<"$subcommands") subcommands"
fi
# A baseline takes only undisturbed runs; on a shared machine another job's reads can disturb
# every repetition of one, so the smoke run is tried up to four times (the dataset is made once).
for attempt in 1 2 3 4; do
  step "run the smoke suite (attempt $attempt)" 0 "" feedbench run --suite smoke \
    --repetitions 1 --data-dir "$T/data" --out "$T/smoke.json" --quiet
  record=$(feedbench baseline record "$T/smoke.json" --to "$T/baseline.json" 2>&1) && break
  if [[ $record != *disturbed* ]]; then
    echo "FAIL: record a baseline: $record"
    failures=$((failures + 1))
    break
  fi
  echo "note: attempt $attempt was disturbed by other work on the node: $record"
done
if [[ ! -f $T/baseline.json ]]; then
  echo "SKIP: every smoke run was disturbed by other work on the node: compare and" \
    "storage-node.sh not checked"
  exit $((failures == 0 ? 77 : failures))
fi
echo "ok: record a baseline"
step "compare" 0 "INCONCLUSIVE" feedbench compare "$T/baseline.json" "$T/smoke.json" \
  --allow-inconclusive
cd "$T/work"
step "the installed storage-node.sh" 4 "reports:" env FEEDBENCH_RUN_ARGS="--repetitions 1 --quiet" \
  "$ROOT/usr/share/feedbench/ci/storage-node.sh" smoke "$T/data" "$T/baseline.json"
step "storage-node.sh wrote results/ in the working directory" 0 "" \
  test -f "$T/work/results/latest.junit.xml"
cd /
exit "$failures"
NODE
env -i PATH="$root/usr/bin:/usr/sbin:/usr/bin:/sbin:/bin" TMPDIR="$tmp/tmp" HOME="$tmp/work" \
  SRC_TREE="$src" BUILD_TREE="$build" ROOT="$root" T="$tmp" VERSION="$version" \
  unshare --mount --propagation private bash "$tmp/node.sh"
rc=$?
if ((rc == 77 && failures == 0)); then exit 77; fi
((rc == 0 || rc == 77)) || fail "$rc step(s) with the trees hidden"
((failures == 0)) && echo "PASS" && exit 0
echo "$failures check(s) failed" >&2
exit 1
