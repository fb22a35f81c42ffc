"""x11_close.py WINDOW_ID — asks an X11 window to close the way a window
manager's close button does: a WM_PROTOCOLS / WM_DELETE_WINDOW client
message (the app sees SDL_WINDOWEVENT_CLOSE, then SDL_QUIT). Used by the
real-X11 tests, whose Xvfb has no window manager. Talks to libX11 through
ctypes, so it needs nothing beyond what SDL2 already pulls in."""
import ctypes
import sys

x = ctypes.CDLL("libX11.so.6")
x.XOpenDisplay.restype = ctypes.c_void_p
x.XOpenDisplay.argtypes = [ctypes.c_char_p]
x.XInternAtom.restype = ctypes.c_ulong
x.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]


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
x.XFlush.argtypes = [ctypes.c_void_p]
x.XCloseDisplay.argtypes = [ctypes.c_void_p]

CLIENT_MESSAGE = 33  # X.h

d = x.XOpenDisplay(None)
if not d:
    sys.exit("x11_close: cannot open the display")
win = int(sys.argv[1], 0)
ev = XEvent()
ev.xclient.type = CLIENT_MESSAGE
ev.xclient.window = win
ev.xclient.message_type = x.XInternAtom(d, b"WM_PROTOCOLS", 0)
ev.xclient.format = 32
ev.xclient.data[0] = x.XInternAtom(d, b"WM_DELETE_WINDOW", 0)
ev.xclient.data[1] = 0  # CurrentTime
ok = x.XSendEvent(d, win, 0, 0, ctypes.byref(ev))
x.XFlush(d)
x.XCloseDisplay(d)
sys.exit(0 if ok else "x11_close: XSendEvent failed")
