#!/usr/bin/env python
import sys

from sotclinic.cli import main

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
