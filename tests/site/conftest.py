"""The built site for the browser tests of tests/site: built once per session, served on 127.0.0.1."""
import pytest
from site_server import build_site, nav_pages, serve


@pytest.fixture(scope="session")
def site_url(tmp_path_factory):
    """(base URL ending in '/', site directory) of one `mkdocs build --strict` of the real site."""
    site_dir = tmp_path_factory.mktemp("browser") / "site"
    process = build_site(site_dir)
    assert process.returncode == 0, f"mkdocs build failed:\n{process.stdout}\n{process.stderr}"
    with serve(site_dir) as url:
        yield url, site_dir


@pytest.fixture(scope="session")
def pages(site_url):
    """Site-relative paths of the pages in the navigation."""
    url, site_dir = site_url
    found = nav_pages(site_dir)
    assert "index.html" in found and len(found) > 1, f"navigation links found: {found}"
    return found
