"""Draw the portal's icons (favicon.ico, the web app manifest's PNGs) from the brand mark in
portal.css: a gold disc with "CCHC" in dark red on the header's red. Run once after changing them:
`.venv/bin/python scripts/make_icons.py` (the files are committed; the gateway serves them as they are).
"""
import os

from PIL import Image, ImageDraw, ImageFont

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "gateway", "web", "static", "icons")
FONT = os.path.join(ROOT, "services", "awards", "fonts", "DejaVuSans-Bold.ttf")
RED, RED_DARK, GOLD = "#b3261e", "#8c1d17", "#f2b705"


def draw(size, text="CCHC"):
    # Drawn at 4x and scaled down: smooth edges at every size.
    big = size * 4
    image = Image.new("RGBA", (big, big), RED)
    pen = ImageDraw.Draw(image)
    margin = big // 16
    pen.ellipse((margin, margin, big - margin, big - margin), fill=GOLD)
    font = ImageFont.truetype(FONT, int(big * (0.26 if len(text) > 2 else 0.42)))
    pen.text((big / 2, big / 2), text, fill=RED_DARK, font=font, anchor="mm")
    return image.resize((size, size), Image.LANCZOS)


def main():
    os.makedirs(OUT, exist_ok=True)
    for size in (192, 512):
        draw(size).save(os.path.join(OUT, f"icon-{size}.png"), optimize=True)
    # At 16-48 px four letters are unreadable: "CC" on the favicon.
    draw(48, "CC").save(os.path.join(OUT, "favicon.ico"), sizes=[(16, 16), (32, 32), (48, 48)])


if __name__ == "__main__":
    main()
