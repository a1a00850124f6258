import json
from tests.helpers import gql, login

OPEN = """mutation O($input: OpenCaseInput!) { openCase(input: $input) { __typename
 ... on OpenCaseSuccess { case { id status version referrals { id status orgUnit { code } } } }
 ... on UserError { code message messageTh } ... on ValidationError { field } } }"""

def inp(**kw):
    d = {"categoryCode": "UNPAID_WAGES", "subdistrictCode": "430101", "description": "นายจ้างค้างจ่ายค่าจ้าง",
         "citizen": {"fullName": "สมชาย ใจดี", "nationalId": "1101700207366", "phone": "0812345678", "consent": True}}
    d.update(kw); return d

async def test_probe(client, backend):
    if backend != "sqlite":
        return
    vol = await login(client, "vol.naimueang")
    r = await gql(client, OPEN, {"input": inp()}, vol); print(json.dumps(r, ensure_ascii=False))
    ref = r["data"]["openCase"]["case"]["referrals"][0]["id"]
    ops = await login(client, "ops.nongkhai")
    r = await gql(client, 'mutation($r: ID!){ acceptReferral(referralId: $r){ __typename } }', {"r": ref}, ops); print(json.dumps(r, ensure_ascii=False))
    ment = await login(client, "mentor.nongkhai")
    r = await gql(client, 'mutation($r: ID!){ acceptReferral(referralId: $r){ __typename } }', {"r": ref}, ment); print(json.dumps(r, ensure_ascii=False))
    sso = await login(client, "sso.nongkhai")
    r = await gql(client, 'mutation($r: ID!){ acceptReferral(referralId: $r){ __typename ... on UserError { code } } }', {"r": ref}, sso); print(json.dumps(r, ensure_ascii=False))
    r = await gql(client, OPEN, {"input": inp(citizen={"fullName": "x", "nationalId": "1101700207367", "consent": True})}, vol); print(json.dumps(r, ensure_ascii=False))
    r = await gql(client, OPEN, {"input": inp(citizen={"fullName": "x", "phone": "12345", "consent": True})}, vol); print(json.dumps(r, ensure_ascii=False))
    r = await gql(client, OPEN, {"input": inp(categoryCode="OTHER")}, vol); print(json.dumps(r, ensure_ascii=False))
    resp = await client.get("/graphql", params={"query": "{ me { username } }"}, headers={"Authorization": f"Bearer {vol}"}); print(resp.status_code, resp.text[:300])
    resp = await client.post("/graphql", content=b'{"query": ', headers={"content-type": "application/json"}); print(resp.status_code, resp.text[:300])
    resp = await client.post("/graphql", content=json.dumps({"query": "{ me { username } }"}), headers={"content-type": "text/plain"}); print(resp.status_code, resp.text[:300])
    resp = await client.post("/graphql", json=[{"query": "{ me { username } }"}], headers={"Authorization": f"Bearer {vol}"}); print(resp.status_code, resp.text[:300])
    r = await gql(client, '{ cases(after: "zzz") { totalCount } }', None, vol); print(r)
    r = await gql(client, '{ cases(first: 1000) { totalCount } }', None, vol); print(r)
    r = await gql(client, '{ cses { totalCount } }', None, vol); print(r)
