import asyncio, cProfile, io, pstats, sys, tempfile, time
from pathlib import Path
import httpx
from requests import Bench, Citizens, _prepare, documents, PASSWORD, SECRET, _database
from api.app import create_app
from domain.settings import Settings

async def main():
    citizens = Citizens()
    with tempfile.TemporaryDirectory() as tmp:
        texts, _ = documents(Path(tmp))
        async with _database("postgresql", "postgresql://postgres@127.0.0.1:5432/test", tmp) as url:
            waiting = await _prepare(url, 5, 10, citizens)
            settings = Settings(database_url=url, secret_key=SECRET)
            t = time.perf_counter()
            app = create_app(settings, freeze_startup=True)
            async with app.router.lifespan_context(app), \
                    httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://b") as gql:
                print(f"app + lifespan {1000*(time.perf_counter()-t):.0f} ms")
                tokens = {}
                for username in ("vol.naimueang", "dlpw.nongkhai", "sup.nongkhai"):
                    login = await gql.post("/graphql", json={"query": "mutation($u: String!, $p: String!) "
                                           "{ login(username: $u, password: $p) { ... on LoginSuccess { token } } }",
                                           "variables": {"u": username, "p": PASSWORD}})
                    tokens[username] = login.json()["data"]["login"]["token"]
                bench = Bench(gql, gql, tokens, citizens, waiting, texts)
                routes = bench.routes()
                prof = sys.argv[1] if len(sys.argv) > 1 else None
                for name in ("openCase", "cases", "acceptReferral", "caseStats"):
                    for i in range(3):
                        p = cProfile.Profile() if (name == prof and i == 0) else None
                        t = time.perf_counter()
                        if p: p.enable()
                        r = await routes[name][1]()
                        if p: p.disable()
                        print(f"{name} #{i+1}: {1000*(time.perf_counter()-t):.1f} ms")
                        if name == "cases" and i == 0:
                            bench.case_id = r["cases"]["edges"][0]["node"]["id"]
                        if p:
                            out = io.StringIO(); pstats.Stats(p, stream=out).sort_stats("cumulative").print_stats(70); print(out.getvalue())
                    if name == "cases":
                        for i in range(3):
                            t = time.perf_counter(); await routes["case"][1](); print(f"case #{i+1}: {1000*(time.perf_counter()-t):.1f} ms")
asyncio.run(main())
