#!/usr/bin/env bash
# layering.sh - the architecture of docs and STYLE.md, enforced on the
# source tree: which folders may include LMDB and NNG, which way the server
# layers depend (rpc -> auth, svc -> store), no generated code in git, no
# source file over 1000 lines.
. "$(dirname "$0")/lib.sh"

cd "$HUES_SOURCE_DIR"

# The files of the tree: tracked and new ones (what the next commit would
# hold), or every file when this is not a git checkout.
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# shellcheck disable=SC2016 # $f belongs to the inner sh
	git ls-files --cached --others --exclude-standard -z |
	    xargs -0 -r sh -c 'for f; do [ -f "$f" ] && echo "$f"; done' sh \
	    >"$tmp/files"
	in_git=1
else
	find . -type f ! -path './.git/*' ! -path './build*' | sed 's|^\./||' \
	    >"$tmp/files"
	in_git=0
fi
grep -E '\.(c|h)$' "$tmp/files" >"$tmp/c-files" || true
[ -s "$tmp/c-files" ] || fail "no C files found under $HUES_SOURCE_DIR"

# includes REGEX: "file:line:text" for every #include matching REGEX (an
# extended regex on what follows "#include").
includes() {
	xargs -r -d '\n' grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*$1" \
	    <"$tmp/c-files" || true
}

# only_under WHAT HITS PREFIX...: fails for each hit outside the prefixes.
only_under() {
	local what=$1 hits=$2 bad=""
	shift 2
	while IFS= read -r hit; do
		[ -n "$hit" ] || continue
		local file=${hit%%:*} allowed=0 p
		for p in "$@"; do
			case $file in "$p"*) allowed=1 ;; esac
		done
		[ "$allowed" -eq 1 ] || bad+="  $hit"$'\n'
	done <<<"$hits"
	if [ -n "$bad" ]; then
		check_failed "$what outside ${*}:"$'\n'"$bad"
	else
		ok "$what only under $*"
	fi
}

# none WHAT HITS: fails when there is any hit.
none() {
	if [ -n "$2" ]; then
		check_failed "$1:"$'\n'"$2"
	else
		ok "no $1"
	fi
}

# Each third-party library is included by one module only.
only_under "<lmdb.h>" "$(includes '<lmdb\.h>')" server/store/
only_under "<nng/...>" "$(includes '<nng/')" \
    server/rpc/ client-sdk/ tools/ tests/ bench/

# Server layers: rpc -> auth, svc -> store; never backwards.
q='["<](\.\./)*(server/)?'
none "rpc/ include in server/svc" \
    "$(includes "${q}rpc/" | grep '^server/svc/' || true)"
none "rpc/, svc/ or auth/ include in server/store" \
    "$(includes "${q}(rpc|svc|auth)/" | grep '^server/store/' || true)"
none "rpc/, svc/ or store/ include in server/auth" \
    "$(includes "${q}(rpc|svc|store)/" | grep '^server/auth/' || true)"
none "server include in server/core" \
    "$(includes "${q}(rpc|svc|store|auth|config)/" | grep '^server/core/' || true)"
# Handlers never see NNG messages or LMDB transactions, even by name.
none "nng_ or MDB_ identifiers in server/svc" \
    "$(grep '^server/svc/' "$tmp/c-files" | xargs -r -d '\n' \
        grep -nwE 'nng_[a-z_]+|MDB_[A-Za-z_]+|mdb_[a-z_]+' || true)"
# The SDK is built on the public headers: tools use only include/hues.
none "SDK-internal include in tools" \
    "$(includes '"(\.\./)*(client-sdk/)?internal\.h"' | grep '^tools/' || true)"

# Generated code is made at build time, never committed.
if [ "$in_git" -eq 1 ]; then
	none "generated *.pb-c.* file tracked by git" \
	    "$(git ls-files '*.pb-c.c' '*.pb-c.h' '*.pb-c.*')"
fi

# Split by role at 1000 lines (STYLE.md).
long=""
while IFS= read -r f; do
	n=$(wc -l <"$f")
	[ "$n" -le 1000 ] || long+="  $f: $n lines"$'\n'
done < <(grep -E '\.(c|h|proto|sh|cmake)$|CMakeLists\.txt$' "$tmp/files")
none "source file over 1000 lines" "$long"

finish
