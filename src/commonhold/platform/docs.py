"""The interactive API documentation (Swagger UI), served under a strict Content-Security-Policy.

FastAPI's own page starts Swagger UI with an inline script, which a policy forbidding inline
scripts blocks; this page loads the same Swagger UI and starts it from a script of ours.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

SWAGGER_UI = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5"
# Swagger UI sets style attributes from its scripts, hence 'unsafe-inline' for styles only.
DOCS_POLICY = (
    "default-src 'none'; "
    f"script-src 'self' {SWAGGER_UI}/; "
    f"style-src {SWAGGER_UI}/ 'unsafe-inline'; "
    "img-src 'self' data:; "
    "connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)

_PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Commonhold API</title>
<link rel="stylesheet" href="{SWAGGER_UI}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{SWAGGER_UI}/swagger-ui-bundle.js"></script>
<script src="/docs/start.js"></script>
</body>
</html>
"""

_START = """SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  layout: "BaseLayout",
});
"""

router = APIRouter(include_in_schema=False)


@router.get("/docs")
async def docs() -> HTMLResponse:
    return HTMLResponse(_PAGE, headers={"Content-Security-Policy": DOCS_POLICY})


@router.get("/docs/start.js")
async def start_docs() -> Response:
    return Response(_START, media_type="text/javascript")
