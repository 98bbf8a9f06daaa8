"""Forms and file uploads on FastAPI and asgi_api: fields, files, form models, limits, bad multipart."""

from typing import Annotated, Any

from tests.framework.parity import call, parity_test, raw_call


def build(fw):
    app = fw.API()

    @app.post("/login")
    def login(username: Annotated[str, fw.Form()], password: Annotated[str, fw.Form(min_length=3)],
              remember: Annotated[bool, fw.Form()] = False, n: Annotated[int, fw.Form(ge=1)] = 1):
        return {"username": username, "password": password, "remember": remember, "n": n}

    @app.post("/tags")
    def tags(tag: Annotated[list[str], fw.Form()], note: Annotated[str | None, fw.Form()] = None):
        return {"tag": tag, "note": note}

    @app.post("/upload")
    async def upload(file: fw.UploadFile, note: Annotated[str, fw.Form()] = ""):
        content = await file.read()
        await file.seek(0)
        again = await file.read()
        return {"filename": file.filename, "content_type": file.content_type, "size": file.size,
                "content": content.decode(), "again": len(again), "note": note,
                "header": file.headers.get("content-disposition")}

    @app.post("/bytes")
    def raw_bytes(file: Annotated[bytes, fw.File()], other: Annotated[bytes | None, fw.File()] = None):
        return {"size": len(file), "other": None if other is None else len(other)}

    @app.post("/many")
    async def many(files: Annotated[list[fw.UploadFile], fw.File()]):
        return [{"name": item.filename, "size": len(await item.read())} for item in files]

    @app.post("/optional-file")
    def optional_file(file: Annotated[fw.UploadFile | None, fw.File()] = None):
        return {"file": None if file is None else file.filename}

    return app


MULTIPART = [(b"content-type", b"multipart/form-data; boundary=xyz")]
FIELDS_10K = "&".join(f"f{i}=v" for i in range(10_000))

test_forms = parity_test(build, [
    call("POST", "/login", 200, data={"username": "ann", "password": "secret"}),
    call("POST", "/login", 200, data={"username": "ann", "password": "secret", "remember": "yes", "n": "3"}),
    call("POST", "/login", 422, data={"username": "ann"}),
    call("POST", "/login", 422, data={"username": "", "password": "ab", "n": "0"}),
    call("POST", "/login", 422, data={"username": "ann", "password": "secret", "n": "x", "remember": "maybe"}),
    call("POST", "/login", 422, json={"username": "ann", "password": "secret"}),
    call("POST", "/login", 422),
    call("POST", "/login", 200, files={"username": (None, "ann"), "password": (None, "secret")}),
    call("POST", "/tags", 200, data={"tag": ["a", "b"]}),
    call("POST", "/tags", 200, data={"tag": "a", "note": "n"}),
    call("POST", "/tags", 422, data={"note": "n"}),
    call("POST", "/upload", 200, files={"file": ("a.txt", b"hello", "text/plain")}, data={"note": "hi"}),
    call("POST", "/upload", 200, files={"file": ("empty.bin", b"")}),
    call("POST", "/upload", 422, data={"file": "not a file"}),
    call("POST", "/upload", 422, data={"note": "no file"}),
    call("POST", "/bytes", 200, files={"file": ("a", b"12345"), "other": ("b", b"12")}),
    call("POST", "/bytes", 200, files={"file": ("a", b"12345")}),
    call("POST", "/bytes", 200, data={"file": "text"}),
    call("POST", "/many", 200, files=[("files", ("a", b"1")), ("files", ("b", b"22"))]),
    call("POST", "/many", 422, data={"x": "1"}),
    call("POST", "/optional-file", 200),
    call("POST", "/optional-file", 200, files={"file": ("a.txt", b"x")}),
    call("POST", "/optional-file", 200, files={"file": ("", b"")}, id="no file chosen in a browser form"),
])

test_bad_multipart = parity_test(build, [
    raw_call("POST", "/login", 400, headers=[(b"content-type", b"multipart/form-data")], body=b"--x\r\n",
             id="no boundary", must_reject=True),
    raw_call("POST", "/login", 422, headers=MULTIPART, body=b"--xyz\r\nContent-Disposition: form-data; name=\"u\"",
             id="truncated part"),
    raw_call("POST", "/login", 400, headers=MULTIPART,
             body=b"--xyz\r\nContent-Disposition: form-data\r\n\r\nann\r\n--xyz--\r\n", id="part without a name",
             must_reject=True),
    raw_call("POST", "/login", 400, headers=MULTIPART,
             body=b"--xyz\r\nContent-Disposition: form-data; name=\"username\"\r\nX: " + b"h" * 20_000
             + b"\r\n\r\nann\r\n--xyz--\r\n", id="huge part header", must_reject=True),
    raw_call("POST", "/login", 400, headers=[(b"content-type", b"application/x-www-form-urlencoded")],
             body=FIELDS_10K.encode(), id="10k fields", must_reject=True),
    raw_call("POST", "/upload", 400, headers=MULTIPART,
             body=b"".join(b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f%d\"\r\n\r\nx\r\n" % i
                           for i in range(1001)) + b"--xyz--\r\n", id="1001 files", must_reject=True),
    raw_call("POST", "/login", 400, headers=MULTIPART,
             body=b"--xyz\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\n" + b"a" * (1024 * 1024 + 1)
             + b"\r\n--xyz--\r\n", id="a text field over 1 MiB", must_reject=True),
])


def build_media_types(fw: Any) -> Any:
    app = fw.API(title="media types")

    @app.post("/mixed")
    def mixed(name: str = fw.Form(media_type="application/x-www-form-urlencoded; charset=utf-8"),
              token: str = fw.Form()) -> Any:
        return {"name": name, "token": token}

    @app.post("/multipart")
    def multipart(name: str = fw.Form(), token: str = fw.Form(media_type="multipart/form-data")) -> Any:
        return {"name": name, "token": token}

    @app.post("/agreed")
    def agreed(name: str = fw.Form(media_type="application/x-www-form-urlencoded; charset=utf-8"),
               token: str = fw.Form(media_type="application/x-www-form-urlencoded; charset=utf-8")) -> Any:
        return {"name": name, "token": token}

    return app


test_form_media_types = parity_test(build_media_types, [
    call("POST", "/mixed", 200, data={"name": "a", "token": "b"}),
    call("POST", "/multipart", 200, files={"name": (None, "a"), "token": (None, "b")}),
    call("POST", "/agreed", 422, content=b"name=a", headers={"content-type": "application/x-www-form-urlencoded"}),
    call("GET", "/openapi.json", 200, id="the fields' agreed media type, else the form's; multipart wins"),
])
