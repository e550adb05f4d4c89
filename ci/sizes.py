#!/usr/bin/env python3
"""Prints the largest source files and the longest functions of feedbench's layers.

The layers' rule of thumb (README, Folders) is no file over about 600 lines and no function over
about 80; this lists the tops so a reviewer sees where that stands. A function is a line opening a
definition at namespace or class level ("... ) {" at column 0 or 2) up to the brace closing it at
the same indentation; lambdas inside count towards their function.
Usage: ci/sizes.py [N] [ROOT]   (N rows of each list, default 5; ROOT another checkout, default
this one; flat harness/ and workloads/ folders of older checkouts are read too)
"""
import glob
import os
import re
import sys

rows = int(sys.argv[1]) if len(sys.argv) > 1 else 5
os.chdir(sys.argv[2] if len(sys.argv) > 2 else os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
files = sorted(
    f
    for pattern in ("harness/*.[ch]*", "harness/*/*.[ch]*", "workloads/*.[ch]*", "workloads/*/*.[ch]*")
    for f in glob.glob(pattern)
    if os.path.isfile(f)
)
opening = re.compile(r"^( {0}| {2})[A-Za-z].*\)\s*(const)?\s*(noexcept)?\s*(override)?\s*\{\s*$")
keywords = ("if", "for", "while", "switch", "}", "else", "catch", "try")

sizes, functions = [], []
for path in files:
    lines = open(path, encoding="utf-8").read().split("\n")
    sizes.append((len(lines) - 1, path))
    i = 0
    while i < len(lines):
        line = lines[i]
        if opening.match(line) and not line.strip().startswith(keywords):
            indent = len(line) - len(line.lstrip())
            j = i + 1
            while j < len(lines) and not (
                lines[j].startswith(" " * indent + "}")
                and len(lines[j]) - len(lines[j].lstrip()) == indent
            ):
                j += 1
            functions.append((j - i + 1, f"{path}:{i + 1}", line.strip()[:70]))
            i = j
        i += 1

print("largest files (lines):")
for n, path in sorted(sizes, reverse=True)[:rows]:
    print(f"  {n:5d}  {path}")
print("longest functions (lines):")
for n, where, text in sorted(functions, reverse=True)[:rows]:
    print(f"  {n:5d}  {where}  {text}")
