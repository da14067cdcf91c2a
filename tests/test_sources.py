"""bnlint.sources.decode: its tokenize-free path for files without a BOM or a coding declaration
must give exactly what the general path (``tokenize.detect_encoding``) gives."""
import io
import tokenize

import pytest

from bnlint.sources import SourceError, decode

SAMPLES = [
    b"",
    b"x = 1\n",
    b"x = 1",
    b"x = 1\r\ny = 2\r\n",
    b"x = 1\ry = 2\r",
    "s = 'café'\n".encode("utf-8"),
    b"\xef\xbb\xbfx = 1\n",
    b"# -*- coding: latin-1 -*-\ns = '\xe9'\n",
    b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\ns = '\x80'\n",
    b"x = 1\ny = 2\n# coding: latin-1\ns = '\xe9'\n",  # third line: not a declaration
    b"s = 'no coding here'\n",
    b"s = 'decoding'\nx = 1\n",  # the word, not a declaration
    b"s = '\xe9'\n",  # invalid UTF-8 on the first line
    b"x = 1\ny = 2\ns = '\xe9'\n",  # invalid UTF-8 further down
    b"# coding: no-such-codec\nx = 1\n",
    b"\xef\xbb\xbf# coding: latin-1\nx = 1\n",  # BOM and a different declaration
    b"x = 1\n" * 5000,
]


def reference(data: bytes):
    """The general path alone: what decode returned before its fast path."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return ("error", "cannot decode as UTF-8")
        return ("error", "invalid encoding declaration")
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return ("error", f"cannot decode as {encoding}")
    return (text[1:] if text.startswith("\ufeff") else text, encoding)


@pytest.mark.parametrize("data", SAMPLES, ids=range(len(SAMPLES)))
def test_decode_matches_tokenize(data):
    want = reference(data)
    try:
        got = decode(data, "x.py")
    except SourceError as exc:
        assert want[0] == "error", f"decode failed ({exc}), tokenize gives {want[1]!r}"
        assert str(exc).startswith(want[1]), (str(exc), want)
        return
    assert got == want


def test_binary_is_refused_before_decoding():
    with pytest.raises(SourceError, match="binary"):
        decode(b"x = 1\n\x00\x01", "x.bin")


def test_ipython_line_alone_in_a_block_keeps_the_block(tmp_path):
    """`else:\n    !git pull` (a tutorial's set-up cell): the shell line must not leave an empty
    block behind, which made the whole notebook a BN000 "syntax error" reported in a later cell."""
    import json

    from bnlint.config import Settings
    from bnlint.runner import process_file

    cells = [
        {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["import os\n", "if os.path.exists('repo'):\n", "    %cd repo\n", "else:\n", "    !git pull\n"]},
        {"cell_type": "code", "metadata": {}, "outputs": [], "source": ["import torch.nn as nn\n", "bn = nn.BatchNorm2d(8, momentum=0)\n"]},
    ]
    nb = tmp_path / "tutorial.ipynb"
    nb.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    out = process_file(str(nb), Settings())
    assert [(f.code, f.cell, f.line) for f in out.findings] == [("BN002", 2, 2)]
