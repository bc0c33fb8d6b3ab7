def test_restless(invoke, signup):
    tok = signup()["access"]
    r = invoke("movie_create", "restless_create", token=tok)
    print(r.status, r.text[:200])
    r = invoke("movie_list", "restless_list", token=tok, query={"format": ["csv"]})
    print(r.status, r.headers.get("content-type"), r.text[:300])
    r = invoke("movie_list", "restless_list", token=tok, headers={"Accept": "text/html"})
    print(r.status, r.headers.get("content-type"), len(r.text))
    open("/tmp/fx/restless.html", "w").write(r.text)
