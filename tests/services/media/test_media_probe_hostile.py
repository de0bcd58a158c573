"""ffprobe and ffmpeg on hostile uploads (issue 15, finding 6): a playlist or manifest uploaded as a
video (DASH, HLS, concat) is rejected without a single request to the addresses it names; the tools
run with their demuxers limited to the contest's containers, one protocol family, and time, memory
and output limits.

A local listener stands for "another host inside the network": it must see no connection at all.
"""
import socket

import eventlet
import pytest

from services.media import config, probe
from tests.services.media.conftest import probe_now, upload


@pytest.fixture
def listener():
    """A TCP socket on 127.0.0.1 that counts (and drops) every connection made to it."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    seen = []

    def accept():
        while True:
            conn, addr = sock.accept()
            seen.append(addr)
            conn.close()

    thread = eventlet.spawn(accept)
    yield sock.getsockname()[1], seen
    thread.kill()
    sock.close()


def dash(port):
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-on-demand:2011"
     type="static" mediaPresentationDuration="PT4S" minBufferTime="PT1S">
  <Period>
    <AdaptationSet mimeType="video/mp4">
      <Representation id="1" bandwidth="100000" codecs="avc1.42c01e" width="320" height="240">
        <BaseURL>http://127.0.0.1:{port}/inside.mp4</BaseURL>
      </Representation>
    </AdaptationSet>
  </Period>
</MPD>
"""


def hls(port):
    return (f"#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:4\n#EXT-X-MEDIA-SEQUENCE:0\n"
            f"#EXTINF:4.0,\nhttp://127.0.0.1:{port}/inside.ts\n#EXT-X-ENDLIST\n")


def concat(port):
    return f"ffconcat version 1.0\nfile 'http://127.0.0.1:{port}/inside.mp4'\n"


@pytest.mark.parametrize("make", [dash, hls, concat], ids=["dash", "hls", "concat"])
def test_manifest_uploaded_as_video_is_rejected_without_fetching(service, tmp_path, listener, make,
                                                                  monkeypatch):
    monkeypatch.setattr(config.settings, "clip_probe_timeout_s", 20.0)
    port, seen = listener
    path = tmp_path / "clip.mp4"
    path.write_text(make(port) + "\n" * 2048)  # some padding, as a file of a plausible size
    clip = probe_now(service, upload(service, str(path)))
    eventlet.sleep(0.2)  # a connection made at the very end is accepted too
    assert seen == [], f"ffprobe/ffmpeg connected to {seen}"
    assert clip["status"] == "rejected", clip
    assert "không phải là video" in clip["reject_reason"]


def test_tools_run_with_whitelists_and_limits(monkeypatch):
    """The command lines and the child's limits, for both tools (the test above proves the effect)."""
    calls = []

    class Done:
        returncode, stdout, stderr = 0, b"{}", b""

    def fake_run(args, **kwargs):
        calls.append((args, kwargs))
        return Done()

    monkeypatch.setattr(probe.subprocess, "run", fake_run)
    probe.ffprobe("http://store:9000/b/clip?X-Amz-Signature=x")
    probe.thumbnail("https://store/b/clip?X-Amz-Signature=x", 4.0)
    for args, kwargs in calls:
        assert args[args.index("-format_whitelist") + 1] == probe.DEMUXERS
        assert args.index("-format_whitelist") < args.index("-i")  # an input option
        assert "-protocol_whitelist" in args
        assert callable(kwargs.get("preexec_fn"))
        assert kwargs.get("timeout")
    assert calls[0][0][calls[0][0].index("-protocol_whitelist") + 1] == "http,tcp"
    assert calls[1][0][calls[1][0].index("-protocol_whitelist") + 1] == "https,tls,tcp"
    assert "-fs" in calls[1][0] and "-nostdin" in calls[1][0]
    assert "-show_streams" not in calls[0][0] and "-show_entries" in calls[0][0]


def test_file_with_too_many_streams_is_rejected(service, tmp_path):
    """ffprobe's report grows with the streams a file declares: past MAX_STREAMS it is not read."""
    from tests.services.media.conftest import ffmpeg

    path = str(tmp_path / "many.mkv")
    maps = [arg for _ in range(probe.MAX_STREAMS + 8) for arg in ("-map", "0:v")]
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=32x24:rate=1", "-t", "1", *maps, "-c:v", "mpeg4", path)
    clip = probe_now(service, upload(service, path, content_type="video/x-matroska"))
    assert clip["status"] == "rejected", clip
