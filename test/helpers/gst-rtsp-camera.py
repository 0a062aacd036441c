#!/usr/bin/python3
"""A camera nobody here wrote: GStreamer's gst-rtsp-server serving a live H.264 test picture.

Run with Debian's python3 (python3-gi, gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-ugly for
x264enc). Prints "PORT <n>" on stdout once it listens (port 0 = chosen by the OS), then serves
until killed.

  --port N           listen port (0: any free one)
  --path /cam        mount point
  --auth digest|basic|none, --user U --pass P
  --protocols tcp|udp|all   lower transports the server accepts (tcp: UDP SETUP answers 461)

"""
import argparse
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

PIPELINE = (
    "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=320,height=240,framerate=25/1 "
    "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 bitrate=300 "
    "! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=1 )"
)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--path", default="/cam")
    ap.add_argument("--auth", choices=["none", "digest", "basic"], default="none")
    ap.add_argument("--user", default="camuser")
    ap.add_argument("--pass", dest="password", default="campass")
    ap.add_argument("--protocols", choices=["all", "tcp", "udp"], default="all")
    args = ap.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))

    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(PIPELINE)
    factory.set_shared(True)
    lower = {
        "all": GstRtsp.RTSPLowerTrans.UDP | GstRtsp.RTSPLowerTrans.TCP,
        "tcp": GstRtsp.RTSPLowerTrans.TCP,
        "udp": GstRtsp.RTSPLowerTrans.UDP,
    }[args.protocols]
    factory.set_protocols(lower)

    if args.auth != "none":
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", args.user)
        if args.auth == "digest":
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
            auth.add_digest(args.user, args.password, token)
        else:
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), token)
        server.set_auth(auth)
        factory.add_role_from_structure(
            Gst.Structure.from_string(
                f"{args.user}, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
            )[0]
        )

    server.get_mount_points().add_factory(args.path, factory)
    if server.attach(None) == 0:
        print("ERROR could not listen", flush=True)
        return 1
    print(f"PORT {server.get_bound_port()}", flush=True)
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
