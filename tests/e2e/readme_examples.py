#!/usr/bin/env python3
"""readme_examples.py TLSSCOPE REPO_DIR SHARED_DIR: runs the README's shell
examples as written and compares what they print with what the README shows.

An example is an indented block whose line starts with `$ `: the command
(continued on the next line when a line ends with `|` or `\\`), then the
output it shows, up to the next `$ ` or the end of the block. The command runs
in a temporary directory holding `samples/` (the repository's) with the
built tlsscope first on PATH. A capture or log the command names that is not
in samples/ is looked up by its file name under SHARED_DIR's corpora; an
example whose inputs or programs (jq, zeek-cut, ...) are not here is skipped
and said so. Output is compared line by line, runs of blanks as one space, and
`...` in the README's text standing for any characters (shortened hashes).
"""
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

INPUT_SUFFIXES = (".pcap", ".pcapng", ".cap", ".jsonl", ".jsonl.gz")


def examples(readme):
    """(line number, command, expected output lines) for every `$ ` block."""
    lines = open(readme, encoding="utf-8").read().split("\n")
    out, i = [], 0
    while i < len(lines):
        m = re.match(r"^    \$ (.*)$", lines[i])
        if not m:
            i += 1
            continue
        start, cmd = i + 1, m.group(1)
        i += 1
        while cmd.rstrip().endswith(("|", "\\")) and i < len(lines):
            cmd = cmd.rstrip().rstrip("\\") + " " + lines[i].strip()
            i += 1
        want = []
        while i < len(lines) and lines[i].startswith("    ") and not lines[i].startswith("    $ "):
            want.append(lines[i][4:])
            i += 1
        out.append((start, cmd, want))
    return out


def find_input(name, repo, shared):
    if os.path.exists(os.path.join(repo, name)):
        return os.path.join(repo, name)
    base = os.path.basename(name)
    for root, _dirs, files in os.walk(shared):
        if "holdout" in root:
            continue
        if base in files:
            return os.path.join(root, base)
    return None


def normalise(line):
    return re.sub(r"\s+", " ", line.strip())


def matches(want, got):
    pattern = ".*".join(re.escape(part) for part in normalise(want).split("..."))
    return re.fullmatch(pattern, normalise(got)) is not None


def main():
    tlsscope, repo, shared = (os.path.abspath(a) for a in sys.argv[1:4])
    work = tempfile.mkdtemp(prefix="tlsscope-readme-")
    bindir = os.path.join(work, "bin")
    os.mkdir(bindir)
    os.symlink(os.path.abspath(tlsscope), os.path.join(bindir, "tlsscope"))
    os.symlink(os.path.join(repo, "samples"), os.path.join(work, "samples"))
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    ran = failed = skipped = 0
    try:
        for lineno, cmd, want in examples(os.path.join(repo, "README.md")):
            words = shlex.split(cmd, posix=True)
            missing = []
            for k, w in enumerate(words):
                if w.endswith(INPUT_SUFFIXES) and not w.startswith("-") and (k == 0 or words[k - 1] != "-w"):
                    path = find_input(w, repo, shared) if not os.path.exists(os.path.join(work, w)) else w
                    if path is None:
                        missing.append(w)
                    elif path != w:
                        cmd = cmd.replace(w, shlex.quote(path))
            lex = shlex.shlex(cmd, posix=True, punctuation_chars=True)
            tokens = list(lex)
            programs = {t for k, t in enumerate(tokens)
                        if (k == 0 or tokens[k - 1] in ("|", "&&", ";")) and t not in ("|", "&&", ";")}
            absent = sorted(p for p in programs if not shutil.which(p, path=env["PATH"]))
            if missing or absent:
                print(f"skip  README.md:{lineno}: {', '.join(missing + absent)} not here")
                skipped += 1
                continue
            r = subprocess.run(["sh", "-c", cmd], cwd=work, env=env, capture_output=True, text=True, timeout=120)
            got = [l for l in r.stdout.split("\n") if l.strip()]
            want = [l for l in want if l.strip()]
            ok = r.returncode == 0 and len(got) == len(want) and all(matches(w, g) for w, g in zip(want, got))
            ran += 1
            if ok:
                print(f"ok    README.md:{lineno}: {cmd[:80]}")
            else:
                failed += 1
                print(f"FAIL  README.md:{lineno}: {cmd}\n  exit {r.returncode}\n  want:")
                for w in want:
                    print("    " + w)
                print("  got:")
                for g in got:
                    print("    " + g)
                if r.stderr:
                    print("  stderr: " + r.stderr.strip()[:400])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"readme examples: {ran} run, {failed} failed, {skipped} skipped")
    # The examples about the samples must always run here.
    return 1 if failed or ran < 2 else 0


if __name__ == "__main__":
    sys.exit(main())
