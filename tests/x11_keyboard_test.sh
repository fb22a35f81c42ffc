#!/bin/sh
# x11_keyboard_test.sh — the real window under a real X server (Xvfb), driven
# by xdotool as a person would type (issue 8: "the keyboard never surprises,
# nothing a teacher makes is lost"). The headless tests use SDL's dummy
# driver and cannot see how X11 delivers keys and text; this one can.
#
# With an isolated HOME / XDG_STATE_HOME and an empty export folder it:
#   - opens the app with --fresh and closes it untouched: its autosave is the
#     baseline of every run option and view setting;
#   - opens the app on the shipped model, clears the text box (it has focus
#     on opening) and types a sentence holding every single-letter shortcut
#     and the character shortcuts ? [ ] + - = 0, Enter (a line break), CJK
#     and an emoji;
#   - presses Esc, F1, and the export key twice;
#   - closes the window as a window manager does (WM_DELETE_WINDOW).
# Then, from the autosaved $XDG_STATE_HOME/attnscope/last-session.json and
# the export folder, it checks: the text is exactly what was typed; no run
# option or view setting changed from the baseline; two distinct PNG files
# were exported, none
# into the working folder; their tEXt chunks name the head and the settings.
#
# CJK and emoji: before the app starts, tests/x11_tool.py binds each
# character the keymap lacks to a spare keycode of its own (a keyboard
# layout that has them; Xvfb runs with -noreset so the map stays), then
# types the text as XTEST key presses of those keycodes, and SDL turns them
# into SDL_TEXTINPUT through X11's UTF-8 lookup. (`xdotool type` rebinds one
# scratch keycode per character while it types, which races with a busy
# client: it got wrong characters or none under load.) A line break is the
# Return key, pressed with xdotool.
#
# SKIPs (not fails) when `attnscope --help` lacks --export-dir, --session or
# --fresh: a build from before issue 8 cannot pass. The export key is read
# from `attnscope --help` (a line with "export" and Ctrl+X or Fn), Ctrl+P if
# none; X11_EXPORT_KEY=key overrides it (xdotool syntax, e.g. ctrl+e).
. "$(dirname "$0")/x11_lib.sh"
x11_setup x11-keyboard
x11_feature_check
x11_start
MODEL="$REPO/models/pd-gpt2"
if [ ! -f "$MODEL/config.json" ]; then
    fail "setup" "$MODEL is missing (the shipped model)"
    x11_finish
fi

# The export key, as --help names it.
key=${X11_EXPORT_KEY:-$("$BIN" --help 2>&1 | grep -i 'export' |
    grep -oE '((Ctrl|Alt|Shift)\+)+[A-Za-z0-9]+|\bF[0-9]{1,2}\b' | grep -v 'Shift' | head -n 1)}
key=${key:-ctrl+p}
key=$(printf '%s' "$key" | sed -E 's/^Ctrl\+/ctrl+/; s/^Alt\+/alt+/; s/\+([A-Z])$/+\L\1/')
echo "export key: $key"

EXPORTS="$TMP/exports"
mkdir -p "$EXPORTS"
SESSION="$XDG_STATE_HOME/attnscope/last-session.json"
# Every letter both cases, every digit, the character shortcuts, and "Second"
# (once lost as "cond" when Enter left the box).
LINE1='The quick brown fox jumps over the lazy dog? [x] + y - z = 0; THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG 123456789 Second'
LINE2='注意力 是 全部 🙂 and é, /.'
printf '%s\n%s' "$LINE1" "$LINE2" > "$TMP/typed.txt"
if ! x11_bind "$LINE1$LINE2" > "$TMP/bind" 2>&1; then
    fail "keymap" "$(cat "$TMP/bind")"
    x11_finish
fi

# app_open NAME ARGS...: starts the app in the working folder, sets APP_PID
# and WID; a missing window ends the test.
app_open() {
    name=$1; shift
    cd "$TMP/cwd" || exit 1
    "$BIN" app --model "$MODEL" --export-dir "$EXPORTS" "$@" > "$TMP/out" 2> "$TMP/err" < /dev/null &
    APP_PID=$!
    cd "$REPO" || exit 1
    WID=$(x11_window "$APP_PID")
    if [ -z "$WID" ]; then
        fail "$name" "no window of pid $APP_PID within 30 s; stderr: $(head -n 3 "$TMP/err" | tr '\n' '|')"
        x11_finish
    fi
    xdotool windowfocus --sync "$WID" 2>/dev/null || xdotool windowfocus "$WID"
    sleep 1.5 # the first model run and frame
}

# app_close NAME: closes the window, checks a clean exit 0.
app_close() {
    x11_close "$WID" || fail "$1: close" "could not send WM_DELETE_WINDOW to window $WID"
    if ! x11_wait "$APP_PID" 20; then
        fail "$1: close" "the app is still running 20 s after its window was closed"
        x11_finish
    fi
    if [ "$APP_RC" -ge 128 ]; then
        fail "$1: exit" "killed by signal $((APP_RC - 128)); stderr: $(head -n 3 "$TMP/err" | tr '\n' '|')"
    elif [ "$APP_RC" != 0 ]; then
        fail "$1: exit" "exit status $APP_RC after closing the window; stderr: $(head -n 3 "$TMP/err" | tr '\n' '|')"
    else
        pass "$1: closing the window exits 0"
    fi
}

# The baseline: the app opened and closed untouched. Its autosave holds the
# run options and view the typing must leave as they are.
app_open "baseline" --fresh
app_close "baseline"
if ! cp "$SESSION" "$TMP/baseline.json" 2>/dev/null; then
    fail "autosave" "closing the window saved no $SESSION"
    x11_finish
fi
rm -f "$EXPORTS"/* 2>/dev/null

app_open "typing"
# The box has focus on opening: select all and delete what it starts with.
xdotool key --delay 100 ctrl+a BackSpace
sleep 0.3
x11_type "$LINE1"
xdotool key Return
x11_type "$LINE2"
sleep 0.5
xdotool key --delay 300 Escape F1
sleep 0.5
xdotool key "$key"
sleep 1.1 # a name built from the time alone would still be distinct
xdotool key "$key"
sleep 1
app_close "typing"
stray=$(find "$TMP/cwd" -name '*.png' | head -n 3)
if [ -n "$stray" ]; then
    fail "export folder" "PNG written to the working folder, not --export-dir: $stray"
else
    pass "nothing exported into the working folder"
fi

/usr/bin/python3 - "$SESSION" "$TMP/typed.txt" "$EXPORTS" "$TMP/baseline.json" > "$TMP/py" 2>&1 <<'EOF'
import base64, json, os, re, struct, sys, zlib

session_path, typed_path, exports, baseline_path = sys.argv[1:5]
base = json.load(open(baseline_path, encoding="utf-8"))
typed = open(typed_path, "rb").read().decode("utf-8")
ok = fail = 0


def check(name, cond, detail=""):
    global ok, fail
    if cond:
        ok += 1
        print("ok   " + name)
    else:
        fail += 1
        print("FAIL %s: %s" % (name, detail))


def png_texts(path):
    """Every tEXt, zTXt and iTXt chunk of a PNG file as {key: text}."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    out, i = {}, 8
    while i + 8 <= len(data):
        n, kind = struct.unpack(">I4s", data[i:i + 8])
        body = data[i + 8:i + 8 + n]
        i += 12 + n
        if kind == b"tEXt":
            k, v = body.split(b"\0", 1)
            out[k.decode("latin-1")] = v.decode("latin-1")
        elif kind == b"zTXt":
            k, v = body.split(b"\0", 1)
            out[k.decode("latin-1")] = zlib.decompress(v[1:]).decode("latin-1")
        elif kind == b"iTXt":
            k, rest = body.split(b"\0", 1)
            comp, rest = rest[0], rest[2:]
            _lang, rest = rest.split(b"\0", 1)
            _tk, v = rest.split(b"\0", 1)
            out[k.decode("latin-1")] = (zlib.decompress(v) if comp else v).decode("utf-8")
        elif kind == b"IEND":
            break
    return out


try:
    s = json.load(open(session_path, encoding="utf-8"))
except Exception as e:
    check("autosave", False, "%s: %s" % (session_path, e))
    s = None

layer = head = 0
if s is not None:
    check("autosave", True)
    if "text" in s:
        text = s["text"]
    elif "text_base64" in s:
        text = base64.b64decode(s["text_base64"]).decode("utf-8", "replace")
    else:
        text = None
    check("text is exactly what was typed", text == typed,
          "want %r, got %r" % (typed, text))
    # Every run option and view setting as the untouched app saved them.
    for part in ("run", "view"):
        got, want = s.get(part), base.get(part)
        changed = {k: (want.get(k), got.get(k)) for k in set(want) | set(got)
                   if want.get(k) != got.get(k)} if got and want else None
        check("no %s setting changed" % part, changed == {},
              "(before, after): %r" % (changed if changed is not None else (want, got)))
    run = s.get("run", {})
    check("run options are the defaults", run.get("scale") == "sqrt" and
          run.get("mask") == "causal" and not run.get("masked_keys") and
          not run.get("ablated_heads"), "%r" % run)
    view = s.get("view", {})
    layer, head = view.get("layer", 0), view.get("head", 0)

files = sorted(f for f in os.listdir(exports)) if os.path.isdir(exports) else []
pngs = [f for f in files if f.lower().endswith(".png")]
check("two distinct export files", len(pngs) == 2 and len(set(pngs)) == 2,
      "want 2 PNG files in the export folder, found %r" % files)
for f in pngs:
    try:
        t = png_texts(os.path.join(exports, f))
    except Exception as e:
        check("PNG " + f, False, str(e))
        continue
    every = " ".join(t.values())
    settings = t.get("Settings", "")
    problems = []
    if not settings:
        problems.append("no Settings chunk (chunks: %s)" % sorted(t))
    for want in ("scale=sqrt", "mask=causal", "colormap=viridis"):
        if want not in settings:
            problems.append("Settings lacks %r" % want)
    if not re.search(r"(layer[ =]*%d\b.*head[ =]*%d\b)|\bL%d\.?H%d\b" % (layer, head, layer, head),
                     every, re.I):
        problems.append("no chunk names layer %d head %d" % (layer, head))
    if re.search(r"ablat|masked_keys", settings):
        problems.append("Settings name ablations or masked keys that were never made")
    check("tEXt of %s names the head and the settings" % f, not problems,
          "; ".join(problems) + " -- chunks: %r" % t)
print("PY %d %d" % (ok, fail))
EOF
cat "$TMP/py" | grep -v '^PY '
py=$(grep '^PY ' "$TMP/py" | tail -n 1)
if [ -z "$py" ]; then
    fail "checker" "the Python checker did not finish: $(tail -n 3 "$TMP/py" | tr '\n' '|')"
else
    passed=$((passed + $(echo "$py" | cut -d' ' -f2)))
    failed=$((failed + $(echo "$py" | cut -d' ' -f3)))
fi
if [ "$failed" != 0 ]; then
    echo "app stderr:"; head -n 10 "$TMP/err"
fi
x11_finish
