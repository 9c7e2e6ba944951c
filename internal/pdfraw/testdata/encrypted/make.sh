#!/bin/sh
# Encrypted test files for pdfraw, made with qpdf (version in README).
# Run from this directory: sh make.sh path/to/src.pdf
set -e
src=${1:-src.pdf}
qpdf "$src" plain.pdf || [ $? -eq 3 ]   # exit 3: repaired with warnings (src.pdf has no valid xref)
qpdf --allow-weak-crypto --encrypt "" owner 40 -- plain.pdf rc4-40.pdf
qpdf --allow-weak-crypto --encrypt "" owner 128 --use-aes=n -- plain.pdf rc4-128.pdf
qpdf --allow-weak-crypto --encrypt "" owner 128 --use-aes=n -- --object-streams=generate plain.pdf rc4-128-objstm.pdf
qpdf --encrypt "" owner 128 --use-aes=y -- plain.pdf aes-128.pdf
qpdf --encrypt "" owner 128 --use-aes=y -- --object-streams=generate plain.pdf aes-128-objstm.pdf
qpdf --encrypt "" owner 128 --use-aes=y --cleartext-metadata -- plain.pdf aes-128-clearmeta.pdf
qpdf --encrypt "" owner 256 --force-R5 -- plain.pdf aes-256-r5.pdf
qpdf --encrypt "" owner 256 -- plain.pdf aes-256.pdf
qpdf --encrypt "" owner 256 -- --object-streams=generate plain.pdf aes-256-objstm.pdf
qpdf --encrypt user owner 256 -- plain.pdf user-pw.pdf
qpdf --allow-weak-crypto --encrypt user owner 128 --use-aes=n -- plain.pdf user-pw-rc4.pdf
qpdf --encrypt user "" 256 --allow-insecure -- plain.pdf empty-owner.pdf
qpdf --encrypt user owner 256 -- --object-streams=generate plain.pdf user-pw-objstm.pdf
