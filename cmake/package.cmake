# Install layout, man page, bash completion and the Debian package (CPack) of feedbench.
#
#   cmake --install build --prefix P   P/bin/feedbench, P/share/feedbench/suites/*.json,
#                                      P/share/feedbench/ci/{storage-node.sh,examples/},
#                                      P/share/doc/feedbench/, P/share/man/man1/feedbench.1.gz,
#                                      P/share/bash-completion/completions/feedbench
#   ci/package.sh [OUT_DIR]            OUT_DIR/feedbench_<version>_amd64.deb (CPack, DEB)
#
# Installing and packaging do not build the tests and benchmarks first (the `all` target): the
# install rules name the binary and its generated files only, which ci/package.sh builds.
#
# The binary finds its suites at ../share/feedbench/suites from its own folder; a build tree gets
# the same folder as a link to the source tree's workloads/suites (harness/suite/suite.h).
include(GNUInstallDirs)
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

file(MAKE_DIRECTORY ${CMAKE_BINARY_DIR}/share/feedbench)
file(CREATE_LINK ${CMAKE_SOURCE_DIR}/workloads/suites ${CMAKE_BINARY_DIR}/share/feedbench/suites
     SYMBOLIC)

set(FEEDBENCH_PACKAGE_MAINTAINER "feedbench maintainers <feedbench-maintainers@example.org>"
    CACHE STRING "Maintainer field and changelog signature of the Debian package")

# The man page, from the binary's own --help and --version (help2man), and the bash completion,
# from its own CLI definition (`feedbench completion bash`): regenerated whenever the binary is.
set(generated ${CMAKE_BINARY_DIR}/generated)
find_program(HELP2MAN help2man)
set(feedbench_docs ${generated}/feedbench.bash-completion)
add_custom_command(
  OUTPUT ${generated}/feedbench.bash-completion
  COMMAND $<TARGET_FILE:feedbench> completion bash > ${generated}/feedbench.bash-completion
  DEPENDS feedbench
  COMMENT "Generating the bash completion of feedbench")
if(HELP2MAN)
  list(APPEND feedbench_docs ${generated}/feedbench.1.gz)
  add_custom_command(
    OUTPUT ${generated}/feedbench.1.gz
    COMMAND ${HELP2MAN} --no-info --section 1 --source feedbench
            --name "benchmark and regression-test the storage that feeds deep-learning training"
            --output ${generated}/feedbench.1 $<TARGET_FILE:feedbench>
    COMMAND gzip -9nf ${generated}/feedbench.1
    DEPENDS feedbench
    COMMENT "Generating the feedbench(1) man page with help2man")
else()
  message(STATUS "help2man not found: no man page (Debian: apt install help2man)")
endif()
add_custom_target(feedbench_docs ALL DEPENDS ${feedbench_docs})

# The Debian changelog of a native package: one entry, the version, signed at the commit's date.
set(FEEDBENCH_CHANGELOG_DATE "")
if(GIT_FOUND AND EXISTS ${CMAKE_SOURCE_DIR}/.git)
  execute_process(COMMAND ${GIT_EXECUTABLE} -C ${CMAKE_SOURCE_DIR} log -1 --format=%aD
                  OUTPUT_VARIABLE FEEDBENCH_CHANGELOG_DATE OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_QUIET)
endif()
if(NOT FEEDBENCH_CHANGELOG_DATE)
  string(TIMESTAMP FEEDBENCH_CHANGELOG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
endif()
configure_file(${CMAKE_SOURCE_DIR}/cmake/debian/changelog.in ${generated}/changelog @ONLY)
add_custom_command(
  OUTPUT ${generated}/changelog.gz
  COMMAND gzip -9nc ${generated}/changelog > ${generated}/changelog.gz
  DEPENDS ${generated}/changelog)
add_custom_target(feedbench_changelog ALL DEPENDS ${generated}/changelog.gz)

set(CMAKE_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
    OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
set(doc_dir ${CMAKE_INSTALL_DATAROOTDIR}/doc/feedbench)
install(TARGETS feedbench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/workloads/suites/
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/feedbench/suites FILES_MATCHING PATTERN "*.json")
install(PROGRAMS ${CMAKE_SOURCE_DIR}/ci/storage-node.sh
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/feedbench/ci)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/ci/examples/
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/feedbench/ci/examples)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/cmake/debian/copyright
              ${generated}/changelog.gz
        DESTINATION ${doc_dir})
install(FILES ${CMAKE_SOURCE_DIR}/baselines/README.md DESTINATION ${doc_dir} RENAME baselines.md)
install(FILES ${generated}/feedbench.bash-completion
        DESTINATION ${CMAKE_INSTALL_DATAROOTDIR}/bash-completion/completions RENAME feedbench)
if(HELP2MAN)
  install(FILES ${generated}/feedbench.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME feedbench)
set(CPACK_PACKAGE_VERSION ${FEEDBENCH_VERSION_FULL})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_CONTACT ${FEEDBENCH_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # feedbench_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends: from dpkg-shlibdeps on the binary
# libjs-chart.js: the charts of the HTML reports (--html, `feedbench report`), read at run time.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "fio, sysstat, libjs-chart.js")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS bash-completion)  # loads /usr/share/bash-completion/completions
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "benchmark and regression gate for deep-learning data-loading storage")
# CPack puts the summary first; this is the extended description under it.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "feedbench replays synthetic data-loading workloads (one file per sample, an
LMDB, a tmpfs cache) while sampling /proc/diskstats with iostat's own
definitions, runs fio for the raw ceiling of the device, and gates CI on
stored baselines: a storage node's nightly job exits 1 on a regression and
4 when it could not judge. The package holds the binary, the shipped suites,
the storage-node CI helper with example pipelines, a man page and bash
completion.")
include(CPack)
