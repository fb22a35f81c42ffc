"""x11_tool.py — what the real-X11 tests need beyond xdotool, through libX11
by ctypes (nothing beyond what SDL2 already pulls in):

  x11_tool.py close WINDOW_ID
      asks the window to close the way a window manager's close button does:
      a WM_PROTOCOLS / WM_DELETE_WINDOW client message (SDL turns it into
      SDL_WINDOWEVENT_CLOSE, then SDL_QUIT). The tests' Xvfb has no window
      manager.
  x11_tool.py bind TEXT
      binds every character of TEXT that the keyboard map lacks (CJK, emoji,
      accents) to a spare keycode, once, before the app starts.
  x11_tool.py type DELAY_MS TEXT
      types TEXT through XTEST as key presses of the bound keycodes (Shift
      where the character is a key's second level; "\n" is Return).
      `xdotool type` rebinds one scratch keycode per missing character while
      it types, and a client that is busy (the app runs the model on every
      keystroke) then reads the key against a later mapping and gets the
      wrong character or none: a race in the test, not in the app. With the
      mapping fixed before the app starts, a slow client reads every key
      right, and SDL turns each into SDL_TEXTINPUT as for any key.
"""
import ctypes
import sys

x = ctypes.CDLL("libX11.so.6")
x.XOpenDisplay.restype = ctypes.c_void_p
x.XOpenDisplay.argtypes = [ctypes.c_char_p]
x.XInternAtom.restype = ctypes.c_ulong
x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
x.XFlush.argtypes = [ctypes.c_void_p]
x.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
x.XCloseDisplay.argtypes = [ctypes.c_void_p]
x.XDisplayKeycodes.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_int),
                               ctypes.POINTER(ctypes.c_int)]
x.XGetKeyboardMapping.restype = ctypes.POINTER(ctypes.c_ulong)
x.XGetKeyboardMapping.argtypes = [ctypes.c_void_p, ctypes.c_ubyte, ctypes.c_int,
                                  ctypes.POINTER(ctypes.c_int)]
x.XChangeKeyboardMapping.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
                                     ctypes.POINTER(ctypes.c_ulong), ctypes.c_int]
x.XFree.argtypes = [ctypes.c_void_p]
x.XKeysymToKeycode.restype = ctypes.c_ubyte
x.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
x.XkbKeycodeToKeysym.restype = ctypes.c_ulong
x.XkbKeycodeToKeysym.argtypes = [ctypes.c_void_p, ctypes.c_ubyte, ctypes.c_int, ctypes.c_int]


class XClientMessageEvent(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong),
                ("send_event", ctypes.c_int), ("display", ctypes.c_void_p),
                ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]


class XEvent(ctypes.Union):  # Xlib's XEvent is a union padded to 24 longs
    _fields_ = [("xclient", XClientMessageEvent), ("pad", ctypes.c_long * 24)]


x.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int,
                         ctypes.c_long, ctypes.POINTER(XEvent)]
x.XSendEvent.restype = ctypes.c_int
CLIENT_MESSAGE = 33  # X.h


def close(d, win):
    ev = XEvent()
    ev.xclient.type = CLIENT_MESSAGE
    ev.xclient.window = win
    ev.xclient.message_type = x.XInternAtom(d, b"WM_PROTOCOLS", 0)
    ev.xclient.format = 32
    ev.xclient.data[0] = x.XInternAtom(d, b"WM_DELETE_WINDOW", 0)
    ev.xclient.data[1] = 0  # CurrentTime
    return x.XSendEvent(d, win, 0, 0, ctypes.byref(ev)) != 0


def keysym(ch):
    """The X keysym of a character: Latin-1 as is, the rest 0x01000000 + code."""
    c = ord(ch)
    return c if 0x20 <= c <= 0xFF else 0x01000000 | c


def bind(d, text):
    lo, hi = ctypes.c_int(), ctypes.c_int()
    x.XDisplayKeycodes(d, ctypes.byref(lo), ctypes.byref(hi))
    n = hi.value - lo.value + 1
    per = ctypes.c_int()
    m = x.XGetKeyboardMapping(d, lo.value, n, ctypes.byref(per))
    have, spare = set(), []
    for i in range(n):
        syms = [m[i * per.value + j] for j in range(per.value)]
        if any(syms):
            have.update(s for s in syms if s)
        else:
            spare.append(lo.value + i)
    x.XFree(m)
    want = []
    for ch in dict.fromkeys(text):  # distinct, in order
        if ord(ch) > 0x7E and keysym(ch) not in have:
            want.append(keysym(ch))
    if len(want) > len(spare):
        sys.exit("x11_tool: %d characters to bind, %d spare keycodes" % (len(want), len(spare)))
    for code, sym in zip(reversed(spare), want):
        syms = (ctypes.c_ulong * 2)(sym, sym)  # the same with and without Shift
        x.XChangeKeyboardMapping(d, code, 2, syms, 1)
    x.XSync(d, 0)
    print("bound %d characters to spare keycodes" % len(want))
    return True


def type_text(d, delay_ms, text):
    import time
    xtst = ctypes.CDLL("libXtst.so.6")
    xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int,
                                       ctypes.c_ulong]
    shift = x.XKeysymToKeycode(d, 0xFFE1)  # Shift_L
    for ch in text:
        sym = 0xFF0D if ch == "\n" else keysym(ch)  # Return
        kc = x.XKeysymToKeycode(d, sym)
        if not kc:
            sys.exit("x11_tool: %r is not on the keyboard map (bind it first)" % ch)
        shifted = x.XkbKeycodeToKeysym(d, kc, 0, 0) != sym
        if shifted:
            xtst.XTestFakeKeyEvent(d, shift, 1, 0)
        xtst.XTestFakeKeyEvent(d, kc, 1, 0)
        xtst.XTestFakeKeyEvent(d, kc, 0, 0)
        if shifted:
            xtst.XTestFakeKeyEvent(d, shift, 0, 0)
        x.XFlush(d)
        time.sleep(delay_ms / 1000.0)
    return True


def main():
    d = x.XOpenDisplay(None)
    if not d:
        sys.exit("x11_tool: cannot open the display")
    if len(sys.argv) == 3 and sys.argv[1] == "close":
        ok = close(d, int(sys.argv[2], 0))
    elif len(sys.argv) == 3 and sys.argv[1] == "bind":
        ok = bind(d, sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "type":
        ok = type_text(d, int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit("usage: x11_tool.py close WINDOW_ID | bind TEXT | type DELAY_MS TEXT")
    x.XFlush(d)
    x.XCloseDisplay(d)
    sys.exit(0 if ok else "x11_tool: %s failed" % sys.argv[1])


main()
