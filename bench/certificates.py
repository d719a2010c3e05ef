"""How fast certificates are made: N certificates of participation (Russian and Chinese names,
some mixed, some bilingual) on one core, against a bare one-page PDF with the same fonts and
one line of text, the ceiling that reportlab allows; a 30-pupil class PDF; a PNG template;
peak memory; and how late the event loop runs while certificates are drawn in a worker thread.

    .venv/bin/python bench/certificates.py [--count 1000]

See bench/README.md for what the figures mean. The exit status is 1 when a goal is missed."""

from __future__ import annotations

import argparse
import asyncio
import gc
import io
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bot.services.certificates.documents import (  # noqa: E402
    CertificateData,
    CertificateRenderer,
    TemplateConfig,
    certificate_content,
    certificate_data,
    letter_data,
)
from bot.services.certificates.fonts import FontConfig, load_chain  # noqa: E402
from bot.services.certificates.layout import PAGE_HEIGHT, PAGE_WIDTH, TextField  # noqa: E402
from bot.services.events.catalog import Event  # noqa: E402

EVENT = Event.model_validate(
    {
        "slug": "victory-2025",
        "title": {
            "ru": "Международная научно-практическая видеоконференция «Наша общая Победа»",
            "zh": "“我们共同的胜利”国际科学实践视频会议",
        },
        "description": {"ru": "Описание", "zh": "简介"},
        "organizer": {
            "ru": "Международный Союз «Наследники Победы»",
            "zh": "国际“胜利继承者”联盟",
        },
        "starts_at": "2025-09-03T10:00:00+03:00",
        "ends_at": "2025-09-03T13:00:00+03:00",
        "format": "online",
    }
)
BOT = "victory_bot"
T = TypeVar("T")
GOAL_RATE = 50.0  # certificates per second on one core
GOAL_RATIO = 2.0  # at most this many times the bare PDF's time

# fmt: off
RU_SURNAMES = ("Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов",
    "Михайлов", "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов",
    "Егоров", "Павлов", "Козлов", "Степанов", "Николаев", "Преображенский")
RU_GIVEN = ("Иван", "Пётр", "Алексей", "Сергей", "Дмитрий", "Андрей", "Михаил", "Николай",
    "Юрий", "Григорий")
RU_PATRONYMIC = ("Иванович", "Петрович", "Алексеевич", "Сергеевич", "Дмитриевич", "Андреевич",
    "Юрьевич")
ZH_SURNAMES = (*"王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗", "欧阳", "司马")
ZH_GIVEN = (*"伟芳娜敏静丽强磊军洋勇艳杰娟涛明超", "秀英", "建华", "志强", "海燕", "晓明")
# fmt: on


def names(count: int, seed: int) -> list[tuple[str, str, bool]]:
    """(name, language, bilingual): 2 of 3 Russian, 1 of 3 Chinese, every 10th name mixed
    (a Russian name with a Chinese one), every 5th certificate bilingual."""
    rng = random.Random(seed)
    result = []
    for i in range(count):
        ru = f"{rng.choice(RU_SURNAMES)} {rng.choice(RU_GIVEN)} {rng.choice(RU_PATRONYMIC)}"
        zh = rng.choice(ZH_SURNAMES) + rng.choice(ZH_GIVEN)
        lang = "zh" if i % 3 == 2 else "ru"
        name = f"{ru} {zh}" if i % 10 == 9 else (zh if lang == "zh" else ru)
        result.append((name, lang, i % 5 == 4))
    return result


def certificates(count: int, seed: int) -> list[CertificateData]:
    return [
        certificate_data(
            EVENT,
            full_name=name,
            number=f"NP25-{i + 1:04d}-K7QX",
            lang=lang,  # type: ignore[arg-type]
            bilingual=bilingual,
            bot_username=BOT,
        )
        for i, (name, lang, bilingual) in enumerate(names(count, seed))
    ]


def bare_pdf(data: CertificateData) -> bytes:
    """The ceiling: a one-page A4 landscape PDF with one line of text and nothing else. The
    line is the name (bold), the number and the heading (regular): the same faces as the
    certificate uses, so the same font files are embedded as subsets; only the design and
    the layout are left out."""
    from reportlab.pdfgen.canvas import Canvas

    fonts = FontConfig()
    bold, regular = load_chain(fonts.bold), load_chain(fonts.regular)
    rest = " ".join([data.number, *certificate_content(data).texts("heading")])
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=(PAGE_WIDTH, PAGE_HEIGHT),
        pageCompression=1,
        initialFontName=regular.face(0).name,
    )
    text = canvas.beginText(40, 300)
    for chain, words, size in ((bold, data.full_name, 20), (regular, f" {rest}", 12)):
        for run in chain.shape(words).runs():
            text.setFont(run.face.name, size)
            text.textOut(run.text)
    canvas.drawText(text)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


@dataclass
class Timing:
    label: str
    count: int
    wall: float
    cpu: float
    sizes: list[int]

    @property
    def rate(self) -> float:
        return self.count / self.wall

    @property
    def per_item_ms(self) -> float:
        return self.wall / self.count * 1000

    def __add__(self, other: Timing) -> Timing:
        return Timing(
            self.label,
            self.count + other.count,
            self.wall + other.wall,
            self.cpu + other.cpu,
            self.sizes + other.sizes,
        )


def timed(label: str, items: Sequence[T], make: Callable[[T], bytes]) -> Timing:
    gc.collect()
    sizes = []
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for item in items:
        sizes.append(len(make(item)))
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return Timing(label, len(items), wall, cpu, sizes)


def peak_memory(make: Callable[[], object]) -> int:
    """Peak bytes allocated by Python while `make` runs (tracemalloc; slows it down)."""
    gc.collect()
    tracemalloc.start()
    try:
        make()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


async def loop_lateness(
    renderer: CertificateRenderer, items: Sequence[CertificateData]
) -> list[float]:
    """Render with render_async, one after another, while a 1 ms ticker measures how late the
    event loop wakes it up: what other handlers would wait."""
    late: list[float] = []
    running = True

    async def ticker() -> None:
        while running:
            start = time.perf_counter()
            await asyncio.sleep(0.001)
            late.append(time.perf_counter() - start - 0.001)

    task = asyncio.create_task(ticker())
    for item in items:
        await renderer.render_async(item)
    running = False
    await task
    return late


def png_template(directory: Path) -> TemplateConfig:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (2480, 1754), "#F4ECD8")
    draw = ImageDraw.Draw(image)
    for y in range(0, 1754, 24):  # something for JPEG to do
        draw.line((0, y, 2480, y + 400), fill="#E9DDBF", width=4)
    draw.rectangle((60, 60, 2420, 1694), outline="#7A1C1C", width=24)
    path = directory / "background.png"
    image.save(path)
    field = TextField(x_mm=148.5, y_mm=100, size_pt=34, max_width_mm=220, max_lines=2, bold=True)
    return TemplateConfig(
        background=path,
        fields={
            "name": field,
            "event": TextField(x_mm=148.5, y_mm=125, size_pt=16, max_width_mm=220, max_lines=2),
            "date": TextField(x_mm=148.5, y_mm=145, size_pt=14, max_width_mm=120),
            "number": TextField(x_mm=277, y_mm=195, size_pt=10, max_width_mm=90, align="right"),
        },
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=1000, help="certificates (default 1000)")
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args(argv)
    if args.count < 10:
        parser.error("--count must be at least 10")

    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if cpus:
        os.sched_setaffinity(0, {cpus[0]})  # one core, whatever the machine has

    rss_before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    renderer = CertificateRenderer()
    renderer.check_names(["Иванов Иван 王小明"])  # the fonts are loaded when first needed
    load_seconds = time.perf_counter() - start
    items = certificates(args.count, args.seed)
    for item in items[:20]:  # warm-up: first subsets, caches, imports
        renderer.render(item)
        bare_pdf(item)

    # The two runs alternate in halves so that a change of machine load hits both alike.
    half = len(items) // 2
    ours_a = timed("certificates", items[:half], renderer.render)
    bare_a = timed("bare one-line PDF", items[:half], bare_pdf)
    ours = ours_a + timed("certificates", items[half:], renderer.render)
    bare = bare_a + timed("bare one-line PDF", items[half:], bare_pdf)

    class_items = [c for c in items if not c.bilingual and c.lang == "ru"][:30]
    letter = letter_data(
        EVENT,
        teacher_name="Петрова Мария Сергеевна",
        class_name="8 «Б»",
        school="Школа № 1",
        lang="ru",
    )
    classes = timed(
        "class PDF (letter + 30 pages)",
        [class_items] * 5,
        lambda pupils: renderer.render_class(pupils, letter),
    )

    with tempfile.TemporaryDirectory() as directory:
        template_start = time.perf_counter()
        templated = CertificateRenderer(template=png_template(Path(directory)))
        template_load = time.perf_counter() - template_start
        template = timed("PNG template", items[: min(200, len(items))], templated.render)

    memory_items = items[: min(30, len(items))]
    peak_ours = peak_memory(lambda: [len(renderer.render(d)) for d in memory_items])
    peak_bare = peak_memory(lambda: [len(bare_pdf(d)) for d in memory_items])
    peak_class = peak_memory(lambda: renderer.render_class(class_items, letter))
    lateness = asyncio.run(loop_lateness(renderer, items[: min(100, len(items))]))
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    ratio = ours.wall / bare.wall
    chinese = sum(1 for c in items if c.lang == "zh")
    bilingual = sum(1 for c in items if c.bilingual)
    core = f" (cpu {cpus[0]})" if cpus else ""
    print(
        f"\n{args.count} certificates ({chinese} Chinese, {bilingual} bilingual), one core{core}; "
        f"fonts loaded in {load_seconds:.2f} s\n"
    )
    print(
        f"  {'':<32}{'items':>7}{'per s':>9}{'ms each':>9}{'cpu s':>8}{'KB mean':>9}{'KB max':>8}"
    )
    for t in (ours, bare, classes, template):
        print(
            f"  {t.label:<32}{t.count:>7}{t.rate:>9.1f}{t.per_item_ms:>9.2f}{t.cpu:>8.2f}"
            f"{statistics.mean(t.sizes) / 1024:>9.1f}{max(t.sizes) / 1024:>8.1f}"
        )
    print(f"\n  PNG template prepared (2480x1754 PNG to JPEG) in {template_load:.2f} s")
    print(
        f"  peak Python memory (tracemalloc) over {len(memory_items)} certificates in a row: "
        f"{peak_ours / 1e6:.1f} MB (bare PDFs: {peak_bare / 1e6:.1f} MB); "
        f"one class PDF: {peak_class / 1e6:.1f} MB"
    )
    print(
        f"  process peak RSS: {maxrss_mb:.0f} MB "
        f"({rss_before_mb:.0f} MB before the fonts were loaded)"
    )
    lateness_ms = sorted(x * 1000 for x in lateness)
    p99 = lateness_ms[int(len(lateness_ms) * 0.99)] if lateness_ms else 0.0
    print(
        f"  event loop while render_async runs: {len(lateness_ms)} ticks of 1 ms, late by "
        f"p50 {statistics.median(lateness_ms):.2f} ms, p99 {p99:.2f} ms, "
        f"max {lateness_ms[-1]:.2f} ms"
    )

    thousand = 1000 / ours.rate  # measured when --count is 1000, else from the rate
    goals = [
        (f"at least {GOAL_RATE:.0f} certificates/s on one core", ours.rate >= GOAL_RATE),
        (f"1,000 in under {1000 / GOAL_RATE:.0f} s", thousand < 1000 / GOAL_RATE),
        (f"within {GOAL_RATIO:.0f}x of the bare one-line PDF", ratio <= GOAL_RATIO),
    ]
    figures = [f"{ours.rate:.1f}/s", f"{thousand:.1f} s", f"{ratio:.2f}x"]
    print()
    for (text, ok), figure in zip(goals, figures, strict=True):
        print(f"  goal: {text:<44} {figure:>9}  {'ok' if ok else 'MISSED'}")
    return 0 if all(ok for _, ok in goals) else 1


if __name__ == "__main__":
    sys.exit(main())
