#!/bin/sh
# The shipped model loads, tokenizes like its trainer and scores like PyTorch.
exec /usr/bin/python3 tests/default_model_check.py "${ATTNSCOPE_BIN:-build/attnscope}"
