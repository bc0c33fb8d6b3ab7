def test_walkthrough(invoke, signup):
    pair = signup("alice")
    r = invoke("movie_create", token=pair["access"], body={"title": "Casablanca", "genre": "Drama", "year": 1942})
    assert r.status == 201, r.text
    movie = r.json()
    r = invoke("movie_get", token=pair["access"], path_id=movie["id"])
    assert r.status == 200, r.text
    assert r.json() == movie
    r = invoke("movie_list", token=pair["access"], query={})
    assert r.status == 200, r.text
    print(r.json())
