"""Security schemes on FastAPI and asgi_api: 401 bodies and challenges, credentials, scopes, OpenAPI."""

import base64
from typing import Annotated

from tests.framework.parity import call, parity_test


def basic(text: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(text.encode()).decode()}


def build(fw):
    s = fw.security
    app = fw.API(title="Secured")
    oauth2 = s.OAuth2PasswordBearer(tokenUrl="token", scopes={"me": "Read me", "items": "Read items"})
    code_flow = s.OAuth2AuthorizationCodeBearer(authorizationUrl="auth", tokenUrl="token", auto_error=False)
    http_basic = s.HTTPBasic()
    realm_basic = s.HTTPBasic(realm="staff", scheme_name="Staff", description="Staff only")
    bearer = s.HTTPBearer(bearerFormat="JWT")
    optional_bearer = s.HTTPBearer(auto_error=False, scheme_name="OptionalBearer")
    digest = s.HTTPDigest()
    any_scheme = s.http.HTTPBase(scheme="Other")
    header_key = s.APIKeyHeader(name="X-API-Key")
    query_key = s.APIKeyQuery(name="api_key", auto_error=False)
    cookie_key = s.APIKeyCookie(name="session")
    openid = s.OpenIdConnect(openIdConnectUrl="/.well-known/openid-configuration")

    def current_user(scopes: s.SecurityScopes, token: Annotated[str, fw.Depends(oauth2)]):
        if token == "bad":
            raise fw.HTTPException(401, "Could not validate credentials",
                                   headers={"WWW-Authenticate": f'Bearer scope="{scopes.scope_str}"'})
        return {"token": token, "scopes": scopes.scopes}

    @app.post("/token")
    def token(form: Annotated[s.OAuth2PasswordRequestForm, fw.Depends()]):
        return {"username": form.username, "password": form.password, "scopes": form.scopes,
                "grant_type": form.grant_type, "client_id": form.client_id}

    @app.post("/token-strict")
    def token_strict(form: Annotated[s.OAuth2PasswordRequestFormStrict, fw.Depends()]):
        return {"username": form.username, "grant_type": form.grant_type}

    @app.get("/me")
    def me(user=fw.Security(current_user, scopes=["me"])):
        return user

    @app.get("/items", dependencies=[fw.Security(current_user, scopes=["items"])])
    def items(user=fw.Security(current_user, scopes=["me"])):
        return user

    @app.get("/code")
    def code(token: Annotated[str | None, fw.Depends(code_flow)]):
        return {"token": token}

    @app.get("/basic")
    def read_basic(credentials: Annotated[s.HTTPBasicCredentials, fw.Depends(http_basic)]):
        return {"username": credentials.username, "password": credentials.password}

    @app.get("/realm")
    def read_realm(credentials: Annotated[s.HTTPBasicCredentials, fw.Depends(realm_basic)]):
        return {"username": credentials.username}

    @app.get("/bearer")
    def read_bearer(credentials: Annotated[s.HTTPAuthorizationCredentials, fw.Depends(bearer)]):
        return {"scheme": credentials.scheme, "credentials": credentials.credentials}

    @app.get("/maybe")
    def maybe(credentials: Annotated[s.HTTPAuthorizationCredentials | None, fw.Depends(optional_bearer)]):
        return {"credentials": None if credentials is None else credentials.credentials}

    @app.get("/digest")
    def read_digest(credentials: Annotated[s.HTTPAuthorizationCredentials, fw.Depends(digest)]):
        return {"scheme": credentials.scheme, "credentials": credentials.credentials}

    @app.get("/other")
    def read_other(credentials: Annotated[s.HTTPAuthorizationCredentials, fw.Depends(any_scheme)]):
        return {"scheme": credentials.scheme}

    @app.get("/keys")
    def keys(header: Annotated[str, fw.Depends(header_key)], query: Annotated[str | None, fw.Depends(query_key)],
             cookie: Annotated[str, fw.Depends(cookie_key)]):
        return {"header": header, "query": query, "cookie": cookie}

    @app.get("/openid")
    def read_openid(authorization: Annotated[str, fw.Depends(openid)]):
        return {"authorization": authorization}

    return app


BEARER = {"Authorization": "Bearer abc"}

test_security = parity_test(build, [
    call("POST", "/token", 200, data={"username": "ann", "password": "pw", "scope": "me  items"}),
    call("POST", "/token", 200, data={"username": "ann", "password": "pw", "grant_type": "password",
                                      "client_id": "app"}),
    call("POST", "/token", 422, data={"username": "ann", "password": "pw", "grant_type": "code"}),
    call("POST", "/token", 422, data={"username": "ann"}),
    call("POST", "/token", 422, json={"username": "ann", "password": "pw"}),
    call("POST", "/token-strict", 422, data={"username": "ann", "password": "pw"}),
    call("POST", "/token-strict", 200, data={"username": "ann", "password": "pw", "grant_type": "password"}),
    call("GET", "/me", 401),
    call("GET", "/me", 200, headers=BEARER),
    call("GET", "/me", 200, headers={"Authorization": "bEaReR abc"}, id="scheme in odd case"),
    call("GET", "/me", 401, headers={"Authorization": "Basic abc"}),
    call("GET", "/me", 401, headers={"Authorization": "Bearer bad"}),
    call("GET", "/me", 200, headers={"Authorization": "Bearer"}, id="bearer without a token"),
    call("GET", "/items", 200, headers=BEARER),
    call("GET", "/code", 200),
    call("GET", "/code", 200, headers=BEARER),
    call("GET", "/basic", 401),
    call("GET", "/basic", 200, headers=basic("ann:secret:with:colons")),
    call("GET", "/basic", 200, headers=basic("ann:")),
    call("GET", "/basic", 401, headers=basic("no colon")),
    call("GET", "/basic", 401, headers={"Authorization": "Basic !!not base64!!"}),
    call("GET", "/basic", 401, headers={"Authorization": "Basic " + base64.b64encode("é:x".encode()).decode()}),
    call("GET", "/basic", 401, headers={"Authorization": "Bearer abc"}),
    call("GET", "/basic", 200, headers={"Authorization": "basic " + base64.b64encode(b"a:b").decode()}),
    call("GET", "/realm", 401),
    call("GET", "/realm", 401, headers={"Authorization": "Basic"}),
    call("GET", "/bearer", 401),
    call("GET", "/bearer", 401, headers={"Authorization": "Bearer"}),
    call("GET", "/bearer", 401, headers={"Authorization": "Bearer "}),
    call("GET", "/bearer", 401, headers={"Authorization": "Token abc"}),
    call("GET", "/bearer", 200, headers={"Authorization": "BEARER  abc "}),
    call("GET", "/maybe", 200),
    call("GET", "/maybe", 200, headers={"Authorization": "Basic abc"}),
    call("GET", "/maybe", 200, headers=BEARER),
    call("GET", "/digest", 401, headers=BEARER),
    call("GET", "/digest", 200, headers={"Authorization": 'Digest username="ann", realm="x"'}),
    call("GET", "/other", 401),
    call("GET", "/other", 200, headers={"Authorization": "Anything goes"}),
    call("GET", "/keys", 401),
    call("GET", "/keys", 401, headers={"X-API-Key": ""}),
    call("GET", "/keys", 401, headers={"X-API-Key": "k"}),
    call("GET", "/keys", 200, headers={"X-API-Key": "k", "Cookie": "session=c"}),
    call("GET", "/keys?api_key=q", 200, headers={"X-API-Key": "k", "Cookie": "session=c"}),
    call("GET", "/openid", 401),
    call("GET", "/openid", 200, headers={"Authorization": "whatever"}),
    call("GET", "/openapi.json", 200),
])
