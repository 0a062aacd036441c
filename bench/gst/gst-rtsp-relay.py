#!/usr/bin/python3
"""gst-rtsp-server as the bench's RTSP fan-out peer: one shared media that pulls the camera over
RTMP (rtmpsrc, from Cupola's Factory 1) and serves it, unchanged (no transcoding: flvdemux,
h264parse / aacparse, RTP payloaders), to every RTSP reader at the mount /site1/cam1.

Run with Debian's python3 (python3-gi, gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-bad for
rtmpsrc). Prints "PORT <n>" once it listens on 127.0.0.1 (port 0 = chosen by the OS), then serves
until killed.

  gst-rtsp-relay.py --source rtmp://127.0.0.1:1935/site1/cam1 [--port 0] [--path /site1/cam1]
"""
import argparse

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--path", default="/site1/cam1")
    args = ap.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f'( rtmpsrc location="{args.source} live=1" ! flvdemux name=d '
        "d.video ! queue ! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 config-interval=-1 "
        "d.audio ! queue ! aacparse ! rtpmp4gpay name=pay1 pt=97 )"
    )
    factory.set_shared(True)  # one pipeline for every reader: the fan-out
    factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP)
    server.get_mount_points().add_factory(args.path, factory)
    if server.attach(None) == 0:
        print("ERROR could not listen", flush=True)
        return 1
    print(f"PORT {server.get_bound_port()}", flush=True)
    GLib.MainLoop().run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
