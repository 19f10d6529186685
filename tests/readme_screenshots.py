"""The README's screenshots of the daily pages, taken in headless Chromium against the demo.

    crm serve --demo --port 8000            # on a fresh SQLite file, in another shell
    python tests/readme_screenshots.py http://127.0.0.1:8000 docs/screenshots

Logs in as advisor@demo.espoo.fi (password demo) with the browser asking for Finnish, then
Swedish (the demo users choose no language of their own), at desktop (1280) and phone (390) width.
Each shot is one screen, not the whole page: a long timeline would make a huge image.
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
COMPANY = "Kipinä Solutions Oy"  # in the demo: four departments, four contact people
# page name -> the widths it is taken at
PAGES = {"companies": ("desktop", "phone"), "company": ("desktop", "phone"), "contacts": ("desktop", "phone"),
         "interaction-edit": ("desktop",), "profile": ("desktop",)}


def main(base: str, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        for language, locale in (("fi", "fi-FI"), ("sv", "sv-SE")):
            # the browser's own language too: it decides how a date field shows its date
            browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                 args=["--no-sandbox", "--disable-gpu", f"--lang={locale}"])
            for width_name, (width, height) in WIDTHS.items():
                context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
                page = context.new_page()
                page.goto(base + "/login")
                page.locator("#f-email").fill("advisor@demo.espoo.fi")
                page.locator("#f-password").fill("demo")
                page.locator("form button[type=submit]").click()
                page.wait_for_url(base + "/")

                def shoot(name: str) -> None:
                    if width_name in PAGES[name]:
                        path = folder / f"{name}-{language}-{width_name}.png"
                        page.screenshot(path=str(path))
                        print(path, path.stat().st_size // 1024, "kB")

                page.goto(base + "/companies?q=kipin")
                shoot("companies")
                page.get_by_role("link", name=COMPANY).first.click()
                page.locator("#timeline").wait_for()
                shoot("company")
                page.locator(".event-edit").first.click()
                page.locator("#f-subject").wait_for()
                shoot("interaction-edit")
                page.goto(base + "/contacts?sort=-name")
                shoot("contacts")
                page.goto(base + "/profile")
                shoot("profile")
                context.close()
            browser.close()


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), Path(sys.argv[2]))
