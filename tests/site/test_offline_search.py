"""The built site opened from disk (file://), as from a USB stick: search finds pages, offline.

Material's offline plugin puts the search index in a script, and its Web Worker shim
(docs/javascripts/iframe-worker/) runs the search where browsers refuse workers from file://."""
from urllib.parse import urlsplit


def test_search_works_from_file_urls_without_any_request_to_a_host(browser, site_url):
    _, site_dir = site_url
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    remote, errors = [], []

    def only_files(route):
        if urlsplit(route.request.url).scheme == "file":
            route.continue_()
        else:
            remote.append(route.request.url)
            route.abort()

    context.route("**/*", only_files)
    page = context.new_page()
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto((site_dir / "gru.html").as_uri(), wait_until="load")
        page.locator("input.md-search__input").click()
        page.keyboard.type("forget bias")
        page.wait_for_selector(".md-search-result__item", timeout=15_000)
        titles = page.locator(".md-search-result__item h1, .md-search-result__item h2").all_inner_texts()
        links = page.locator(".md-search-result__item a").evaluate_all("links => links.map(a => a.href)")
    finally:
        context.close()
    assert any("Two biases per gate" in title for title in titles), titles
    assert links and all(link.startswith("file://") for link in links), links
    assert not remote and not errors, (remote, errors)
