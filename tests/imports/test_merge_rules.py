"""Every merge rule of product.md (Import semantics) with a small file and the exact rows after it.

Runs on SQLite and on PostgreSQL (the ``app`` fixture). Rows are compared sorted by their key,
since the order in which a backend assigns ``RIID_`` within one run is not a rule.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from importing import (
    FILE,
    Env,
    account,
    contacts,
    counts,
    csv_bytes,
    folder,
    load,
    make_job,
    put,
    rejects_text,
    rows,
    run,
    table_rows,
)

from dataconnect.bootstrap import App
from dataconnect.clock import FakeClock
from dataconnect.testing import contacts_table, pet_table, supplemental_table

T0 = "2026-01-15T12:00:00+00:00"
T1 = "2026-01-15T13:00:00+00:00"
PET_FILE = "purchases_20260115.csv"
PRODUCTS_FILE = "products_20260115.csv"


def md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def sort(found: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(found, key=lambda row: tuple("" if v is None else str(v) for v in row))


def by_customer(env: Env) -> dict[str, dict[str, Any]]:
    return {r["CUSTOMER_ID_"]: r for r in rows(env)}


def seed(env: Env, *lines: str) -> int:
    """Load profiles with the api.md job (match CUSTOMER_ID_, replace_all); returns the job id."""
    job = make_job(env, "Seed customers")
    done = load(env, job.id, csv_bytes(*lines))
    assert done.state.value == "succeeded", done
    assert done.records_rejected == 0, rejects_text(env, done.rejects_file)
    return job.id


def later(clock: FakeClock) -> None:
    """One hour later: the same day in Berlin, so the same file name."""
    clock.advance(timedelta(hours=1))


# --- profile list: insert ------------------------------------------------------------------


def test_insert_assigns_riid_and_maintains_domain_hashes_and_dates(app: App) -> None:
    env = contacts(app)
    job = make_job(env)

    done = load(
        env,
        job.id,
        csv_bytes("C1,Ann@Example.COM,Berlin,x", "C2,bob@mail.example.org,Paris,"),
    )

    assert done.state.value == "succeeded"
    assert counts(done) == (2, 2, 0, 0)
    assert done.rejects_file is None
    assert done.file_name == FILE
    found = by_customer(env)
    assert set(found) == {"C1", "C2"}
    riids = [r["RIID_"] for r in found.values()]
    assert all(isinstance(r, int) and r > 0 for r in riids)
    assert len(set(riids)) == 2
    ann, bob = found["C1"], found["C2"]
    assert {k: ann[k] for k in ann if k != "RIID_"} == {
        "CUSTOMER_ID_": "C1",
        "EMAIL_ADDRESS_": "Ann@Example.COM",
        "EMAIL_DOMAIN_": "example.com",
        "EMAIL_FORMAT_": None,
        "EMAIL_PERMISSION_STATUS_": "O",  # the default permission, OPTOUT
        "EMAIL_MD5_HASH_": md5("ann@example.com"),
        "EMAIL_SHA256_HASH_": sha256("ann@example.com"),
        "MOBILE_NUMBER_": None,
        "MOBILE_COUNTRY_": None,
        "MOBILE_PERMISSION_STATUS_": None,  # no mobile channel in the file
        "POSTAL_STREET_1_": None,
        "CITY_": "Berlin",
        "STATE_": None,
        "POSTAL_CODE_": None,
        "COUNTRY_": None,
        "CREATED_DATE_": T0,
        "MODIFIED_DATE_": T0,
        "FIRST_NAME": None,
    }
    assert bob["EMAIL_DOMAIN_"] == "mail.example.org"
    assert bob["EMAIL_MD5_HASH_"] == md5("bob@mail.example.org")
    assert bob["EMAIL_SHA256_HASH_"] == sha256("bob@mail.example.org")
    assert bob["CITY_"] == "Paris"


def test_an_empty_email_cell_leaves_email_domain_and_hashes_empty(app: App) -> None:
    env = contacts(app)
    job = make_job(env)

    done = load(env, job.id, csv_bytes("C1,,Berlin,"))

    assert counts(done) == (1, 1, 0, 0)
    (row,) = rows(env)
    assert [row[k] for k in ("EMAIL_ADDRESS_", "EMAIL_DOMAIN_", "EMAIL_MD5_HASH_")] == [None] * 3
    assert row["EMAIL_SHA256_HASH_"] is None


def test_default_permission_optin_gives_I(app: App) -> None:
    env = contacts(app)
    job = make_job(env, permission={"default": "OPTIN", "optin_value": "I", "optout_value": "O"})

    load(env, job.id, csv_bytes("C1,a@x.com,Berlin,", "C2,b@x.com,Paris,"))

    assert [r["EMAIL_PERMISSION_STATUS_"] for r in rows(env)] == ["I", "I"]


def test_file_permission_values_map_to_I_and_O_and_an_empty_cell_gets_the_default(
    app: App,
) -> None:
    env = contacts(app)
    job = make_job(
        env,
        mapping={"id": "CUSTOMER_ID_", "email": "EMAIL_ADDRESS_", "ok": "EMAIL_PERMISSION_STATUS_"},
        permission={"default": "OPTIN", "optin_value": "yes", "optout_value": "no"},
    )

    done = load(
        env,
        job.id,
        csv_bytes("C1,a@x.com,yes", "C2,b@x.com,no", "C3,c@x.com,", header="id,email,ok"),
    )

    assert counts(done) == (3, 3, 0, 0)
    assert sort(table_rows(env, fields=("CUSTOMER_ID_", "EMAIL_PERMISSION_STATUS_"))) == [
        ("C1", "I"),
        ("C2", "O"),
        ("C3", "I"),
    ]


def test_mobile_numbers_are_normalised_and_get_the_default_permission(app: App) -> None:
    env = contacts(app)
    job = make_job(env, mapping={"id": "CUSTOMER_ID_", "mobile": "MOBILE_NUMBER_"})

    done = load(
        env, job.id, csv_bytes("C1,+49 (170) 123-4567", "C2,0170.555.1234", header="id,mobile")
    )

    assert counts(done) == (2, 2, 0, 0)
    fields = ("CUSTOMER_ID_", "MOBILE_NUMBER_", "MOBILE_PERMISSION_STATUS_")
    assert sort(table_rows(env, fields=fields)) == [
        ("C1", "+491701234567", "O"),
        ("C2", "01705551234", "O"),
    ]


def test_email_domain_and_hashes_follow_the_email_when_the_file_also_has_a_hash(
    app: App,
) -> None:
    env = contacts(app)
    job = make_job(
        env,
        mapping={"id": "CUSTOMER_ID_", "email": "EMAIL_ADDRESS_", "md5": "EMAIL_MD5_HASH_"},
    )

    done = load(env, job.id, csv_bytes(f"C1,Ann@X.com,{md5('ann@x.com')}", header="id,email,md5"))

    assert counts(done) == (1, 1, 0, 0)
    (row,) = rows(env)
    assert row["EMAIL_DOMAIN_"] == "x.com"  # maintained: never mapped, always derived
    assert row["EMAIL_MD5_HASH_"] == md5("ann@x.com")
    assert row["EMAIL_SHA256_HASH_"] == sha256("ann@x.com")


def test_the_default_permission_is_for_new_profiles_only(app: App) -> None:
    env = contacts(app)
    with_permission = make_job(
        env,
        "With permission",
        mapping={"id": "CUSTOMER_ID_", "email": "EMAIL_ADDRESS_", "ok": "EMAIL_PERMISSION_STATUS_"},
    )
    load(env, with_permission.id, csv_bytes("C1,a@x.com,I", header="id,email,ok"))
    job = make_job(env)  # no permission column; the default is OPTOUT

    done = load(env, job.id, csv_bytes("C1,a@x.com,Rome,", "C2,b@x.com,Oslo,"))

    assert counts(done) == (2, 1, 1, 0)
    assert sort(table_rows(env, fields=("CUSTOMER_ID_", "EMAIL_PERMISSION_STATUS_", "CITY_"))) == [
        ("C1", "I", "Rome"),
        ("C2", "O", "Oslo"),
    ]


# --- profile list: match -------------------------------------------------------------------


def test_match_on_one_column_replace_all_updates_mapped_fields_and_inserts_new(
    app: App, clock: FakeClock
) -> None:
    env = contacts(app)
    job = make_job(env)
    load(env, job.id, csv_bytes("C1,a@x.com,Berlin,", "C2,b@x.com,Paris,"))
    before = by_customer(env)
    later(clock)

    done = load(env, job.id, csv_bytes("C1,new@y.org,Rome,", "C3,c@x.com,Oslo,"))

    assert done.state.value == "succeeded"
    assert counts(done) == (2, 1, 1, 0)
    after = by_customer(env)
    assert sort(table_rows(env)) == [
        ("C1", "new@y.org", "Rome"),
        ("C2", "b@x.com", "Paris"),
        ("C3", "c@x.com", "Oslo"),
    ]
    c1 = after["C1"]
    assert c1["RIID_"] == before["C1"]["RIID_"]
    assert (c1["CREATED_DATE_"], c1["MODIFIED_DATE_"]) == (T0, T1)
    assert c1["EMAIL_DOMAIN_"] == "y.org"
    assert c1["EMAIL_MD5_HASH_"] == md5("new@y.org")
    assert c1["EMAIL_SHA256_HASH_"] == sha256("new@y.org")
    assert after["C2"] == before["C2"]  # not in the file: untouched
    assert (after["C3"]["CREATED_DATE_"], after["C3"]["MODIFIED_DATE_"]) == (T1, T1)


def test_no_update_leaves_matched_profiles_as_they_were_and_inserts_new(
    app: App, clock: FakeClock
) -> None:
    env = contacts(app)
    seed(env, "C1,a@x.com,Berlin,", "C2,b@x.com,Paris,")
    before = by_customer(env)
    job = make_job(env, match_={"update_on_match": "no_update"})
    later(clock)

    done = load(env, job.id, csv_bytes("C1,new@y.org,Rome,", "C3,c@x.com,Oslo,"))

    assert counts(done) == (2, 1, 0, 0)
    after = by_customer(env)
    assert after["C1"] == before["C1"]
    assert after["C2"] == before["C2"]
    assert (after["C3"]["EMAIL_ADDRESS_"], after["C3"]["CITY_"]) == ("c@x.com", "Oslo")


def test_match_on_two_columns_needs_both_to_match(app: App) -> None:
    env = contacts(app)
    seed(env, "C1,a@x.com,Berlin,", "C2,b@x.com,Paris,")
    before = by_customer(env)
    job = make_job(env, match_={"columns": ["CUSTOMER_ID_", "EMAIL_ADDRESS_"]})

    done = load(
        env,
        job.id,
        csv_bytes(
            "C1,a@x.com,Rome,",  # both match: update
            "C1,other@x.com,Oslo,",  # only the customer id matches: a new profile
            "C2,a@x.com,Bonn,",  # only the email matches: a new profile
        ),
    )

    assert counts(done) == (3, 2, 1, 0)
    old = {before["C1"]["RIID_"], before["C2"]["RIID_"]}
    found = rows(env)
    seen = [
        (r["CUSTOMER_ID_"], r["EMAIL_ADDRESS_"], r["CITY_"]) for r in found if r["RIID_"] in old
    ]
    new = [
        (r["CUSTOMER_ID_"], r["EMAIL_ADDRESS_"], r["CITY_"]) for r in found if r["RIID_"] not in old
    ]
    assert sort(seen) == [("C1", "a@x.com", "Rome"), ("C2", "b@x.com", "Paris")]
    assert sort(new) == [("C1", "other@x.com", "Oslo"), ("C2", "a@x.com", "Bonn")]


def test_match_on_email_then_mobile_two_columns_and(app: App) -> None:
    env = contacts(app)
    seeder = make_job(
        env,
        "Seed",
        mapping={"id": "CUSTOMER_ID_", "email": "EMAIL_ADDRESS_", "mobile": "MOBILE_NUMBER_"},
    )
    load(env, seeder.id, csv_bytes("C1,a@x.com,+4917011111", header="id,email,mobile"))
    job = make_job(
        env,
        mapping={"email": "EMAIL_ADDRESS_", "mobile": "MOBILE_NUMBER_", "city": "CITY_"},
        match_={"columns": ["EMAIL_ADDRESS_", "MOBILE_NUMBER_"], "insert_on_no_match": False},
    )

    done = load(
        env,
        job.id,
        csv_bytes(
            "a@x.com,+4917011111,Rome", "a@x.com,+4917022222,Oslo", header="email,mobile,city"
        ),
    )

    assert counts(done) == (2, 0, 1, 1)
    assert table_rows(env) == [("C1", "a@x.com", "Rome")]
    assert rejects_text(env, done.rejects_file) == (
        "email,mobile,city,REJECT_REASON\na@x.com,+4917022222,Oslo,NO_MATCHING_RECORD\n"
    )


def test_insert_on_no_match_false_rejects_unknown_profiles(app: App) -> None:
    env = contacts(app)
    seed(env, "C1,a@x.com,Berlin,")
    job = make_job(env, match_={"insert_on_no_match": False})

    done = load(env, job.id, csv_bytes("C9,z@x.com,Oslo,", "C1,a@x.com,Rome,"))

    assert done.state.value == "succeeded"
    assert counts(done) == (2, 0, 1, 1)
    assert table_rows(env) == [("C1", "a@x.com", "Rome")]
    assert rejects_text(env, done.rejects_file) == (
        "cust_id,email,city,legacy,REJECT_REASON\nC9,z@x.com,Oslo,,NO_MATCHING_RECORD\n"
    )


def test_replace_all_then_no_update_on_a_second_run(app: App, clock: FakeClock) -> None:
    env = contacts(app)
    replace = make_job(env, "Replace all")
    keep = make_job(env, "Keep", match_={"update_on_match": "no_update"})
    load(env, replace.id, csv_bytes("C1,a@x.com,Berlin,"))
    later(clock)

    first = load(env, replace.id, csv_bytes("C1,a@x.com,Rome,"))
    second = load(env, keep.id, csv_bytes("C1,a@x.com,Oslo,"))

    assert counts(first) == (1, 0, 1, 0)
    assert counts(second) == (1, 0, 0, 0)
    (row,) = rows(env)
    assert (row["CITY_"], row["MODIFIED_DATE_"]) == ("Rome", T1)


def test_hash_key_match_updates_only(app: App, clock: FakeClock) -> None:
    env = contacts(app)
    seed(env, "C1,Ann@x.com,Berlin,", "C2,bob@x.com,Paris,")
    before = by_customer(env)
    job = make_job(
        env,
        mapping={"hash": "EMAIL_MD5_HASH_", "city": "CITY_"},
        match_={"columns": ["EMAIL_MD5_HASH_"], "insert_on_no_match": False},
    )
    later(clock)

    done = load(
        env,
        job.id,
        csv_bytes(f"{md5('ann@x.com')},Rome", f"{md5('nobody@x.com')},Oslo", header="hash,city"),
    )

    assert counts(done) == (2, 0, 1, 1)
    after = by_customer(env)
    assert set(after) == {"C1", "C2"}
    assert {k: v for k, v in after["C1"].items() if k not in ("CITY_", "MODIFIED_DATE_")} == {
        k: v for k, v in before["C1"].items() if k not in ("CITY_", "MODIFIED_DATE_")
    }
    assert (after["C1"]["CITY_"], after["C1"]["MODIFIED_DATE_"]) == ("Rome", T1)
    assert after["C2"] == before["C2"]
    assert rejects_text(env, done.rejects_file) == (
        f"hash,city,REJECT_REASON\n{md5('nobody@x.com')},Oslo,NO_MATCHING_RECORD\n"
    )


def test_sha256_hash_key_match_updates_only(app: App) -> None:
    env = contacts(app)
    seed(env, "C1,ann@x.com,Berlin,")
    job = make_job(
        env,
        mapping={"hash": "EMAIL_SHA256_HASH_", "city": "CITY_"},
        match_={"columns": ["EMAIL_SHA256_HASH_"], "insert_on_no_match": False},
    )

    done = load(env, job.id, csv_bytes(f"{sha256('ann@x.com')},Rome", header="hash,city"))

    assert counts(done) == (1, 0, 1, 0)
    assert table_rows(env) == [("C1", "ann@x.com", "Rome")]


def test_riid_match_updates_the_profile_with_that_riid(app: App) -> None:
    env = contacts(app)
    seed(env, "C1,a@x.com,Berlin,", "C2,b@x.com,Paris,")
    riid = by_customer(env)["C2"]["RIID_"]
    job = make_job(
        env,
        mapping={"riid": "RIID_", "city": "CITY_"},
        match_={"columns": ["RIID_"], "insert_on_no_match": False},
    )

    done = load(env, job.id, csv_bytes(f"{riid},Rome", "999999,Oslo", header="riid,city"))

    assert counts(done) == (2, 0, 1, 1)
    assert sort(table_rows(env)) == [("C1", "a@x.com", "Berlin"), ("C2", "b@x.com", "Rome")]


# --- PET -----------------------------------------------------------------------------------


def pet_job(env: Env, name: str = "Purchases", **settings: Any) -> int:
    return make_job(
        env,
        name,
        file_pattern="purchases_{YYYYMMDD}.csv",
        target="PURCHASES",
        mapping={"cust_id": "CUSTOMER_ID_", "last_order": "LAST_ORDER", "total": "TOTAL"},
        **settings,
    ).id


PET_HEADER = "cust_id,last_order,total"


def pet_rows(env: Env) -> list[tuple[Any, ...]]:
    riid_to_customer = {r["RIID_"]: r["CUSTOMER_ID_"] for r in rows(env)}
    return sort(
        [
            (riid_to_customer[r["RIID_"]], r["LAST_ORDER"], r["TOTAL"])
            for r in rows(env, "PURCHASES")
        ]
    )


def test_pet_rows_are_matched_to_profiles_through_a_list_key(app: App, clock: FakeClock) -> None:
    env = account(app, contacts_table(), pet_table())
    seed(env, "C1,a@x.com,Berlin,", "C2,b@x.com,Paris,")
    job_id = pet_job(env)

    done = load(
        env,
        job_id,
        csv_bytes("C1,2026-01-10,12.5", "C9,2026-01-11,3", "C2,2026-01-12,7", header=PET_HEADER),
        PET_FILE,
    )

    assert done.state.value == "succeeded"
    assert counts(done) == (3, 2, 0, 1)
    assert pet_rows(env) == [("C1", "2026-01-10", 12.5), ("C2", "2026-01-12", 7.0)]
    pet = {r["RIID_"]: r for r in rows(env, "PURCHASES")}
    assert set(pet) == {r["RIID_"] for r in rows(env)}
    assert all((r["CREATED_DATE_"], r["MODIFIED_DATE_"]) == (T0, T0) for r in pet.values())
    assert set(next(iter(pet.values()))) == {
        "RIID_",
        "CREATED_DATE_",
        "MODIFIED_DATE_",
        "LAST_ORDER",
        "TOTAL",
    }
    assert rejects_text(env, done.rejects_file) == (
        f"{PET_HEADER},REJECT_REASON\nC9,2026-01-11,3,NO_MATCHING_PROFILE\n"
    )
    assert len(rows(env)) == 2  # a PET row never creates a profile

    later(clock)
    again = load(env, job_id, csv_bytes("C1,2026-01-14,20", header=PET_HEADER), PET_FILE)

    assert counts(again) == (1, 0, 1, 0)  # one row per profile: updated, not added
    assert pet_rows(env) == [("C1", "2026-01-14", 20.0), ("C2", "2026-01-12", 7.0)]
    c1 = by_customer(env)["C1"]["RIID_"]
    updated = next(r for r in rows(env, "PURCHASES") if r["RIID_"] == c1)
    assert (updated["CREATED_DATE_"], updated["MODIFIED_DATE_"]) == (T0, T1)


def test_pet_import_before_the_list_import_rejects_then_loads_after_it(app: App) -> None:
    env = account(app, contacts_table(), pet_table())
    list_job = make_job(env)
    job_id = pet_job(env)
    pet_file = csv_bytes("C1,2026-01-10,12.5", "C2,2026-01-12,7", header=PET_HEADER)

    early = load(env, job_id, pet_file, PET_FILE)

    assert early.state.value == "succeeded"
    assert counts(early) == (2, 0, 0, 2)
    assert rows(env, "PURCHASES") == []
    assert rows(env) == []
    assert rejects_text(env, early.rejects_file) == (
        f"{PET_HEADER},REJECT_REASON\n"
        "C1,2026-01-10,12.5,NO_MATCHING_PROFILE\n"
        "C2,2026-01-12,7,NO_MATCHING_PROFILE\n"
    )

    listed = load(env, list_job.id, csv_bytes("C1,a@x.com,Berlin,", "C2,b@x.com,Paris,"))
    late = load(env, job_id, pet_file, PET_FILE)

    assert counts(listed) == (2, 2, 0, 0)
    assert counts(late) == (2, 2, 0, 0)
    assert late.rejects_file is None
    assert pet_rows(env) == [("C1", "2026-01-10", 12.5), ("C2", "2026-01-12", 7.0)]


def test_pet_matched_by_email(app: App) -> None:
    env = account(app, contacts_table(), pet_table())
    seed(env, "C1,a@x.com,Berlin,", "C2,b@x.com,Paris,")
    job_id = make_job(
        env,
        "Purchases",
        file_pattern="purchases_{YYYYMMDD}.csv",
        target="PURCHASES",
        mapping={"email": "EMAIL_ADDRESS_", "total": "TOTAL"},
        match_={"columns": ["EMAIL_ADDRESS_"]},
    ).id

    done = load(env, job_id, csv_bytes("b@x.com,7", "zz@x.com,1", header="email,total"), PET_FILE)

    assert counts(done) == (2, 1, 0, 1)
    assert pet_rows(env) == [("C2", None, 7.0)]


def test_pet_matched_by_riid(app: App) -> None:
    env = account(app, contacts_table(), pet_table())
    seed(env, "C1,a@x.com,Berlin,", "C2,b@x.com,Paris,")
    riid = by_customer(env)["C2"]["RIID_"]
    job_id = make_job(
        env,
        "Purchases",
        file_pattern="purchases_{YYYYMMDD}.csv",
        target="PURCHASES",
        mapping={"riid": "RIID_", "total": "TOTAL"},
        match_={"columns": ["RIID_"]},
    ).id

    done = load(env, job_id, csv_bytes(f"{riid},7", "999999,1", header="riid,total"), PET_FILE)

    assert counts(done) == (2, 1, 0, 1)
    assert pet_rows(env) == [("C2", None, 7.0)]
    assert rejects_text(env, done.rejects_file) == (
        "riid,total,REJECT_REASON\n999999,1,NO_MATCHING_PROFILE\n"
    )


# --- supplemental tables -------------------------------------------------------------------


def products_job(env: Env, name: str = "Products", **settings: Any) -> int:
    return make_job(
        env,
        name,
        file_pattern="products_{YYYYMMDD}.csv",
        target="PRODUCTS",
        mapping={"sku": "SKU", "store": "STORE", "price": "PRICE"},
        match_={"columns": []},
        **settings,
    ).id


PRODUCTS_HEADER = "sku,store,price"
PRODUCT_FIELDS = ("SKU", "STORE", "PRICE")


def products(env: Env, *lines: str, job_id: int) -> Any:
    done = load(env, job_id, csv_bytes(*lines, header=PRODUCTS_HEADER), PRODUCTS_FILE)
    assert done.state.value == "succeeded", (done.error_code, done.error_message)
    return done


def test_supplemental_merge_on_a_composite_primary_key(app: App) -> None:
    env = account(app, supplemental_table(primary_key=["SKU", "STORE"]))
    job_id = products_job(env)
    first = products(env, "A,1,1.0", "A,2,2.0", "B,1,3.0", job_id=job_id)

    second = products(env, "A,1,1.5", "A,3,4.0", "B,1,3.0", job_id=job_id)

    assert counts(first) == (3, 3, 0, 0)
    assert counts(second) == (3, 1, 2, 0)
    assert sort(table_rows(env, "PRODUCTS", PRODUCT_FIELDS)) == [
        ("A", 1, 1.5),
        ("A", 2, 2.0),
        ("A", 3, 4.0),
        ("B", 1, 3.0),
    ]
    assert set(rows(env, "PRODUCTS")[0]) == set(PRODUCT_FIELDS)


def test_supplemental_merge_on_one_key_field(app: App) -> None:
    env = account(app, supplemental_table())
    job_id = products_job(env)
    products(env, "A,1,1.0", "B,1,2.0", job_id=job_id)

    done = products(env, "B,7,2.5", "C,1,9", job_id=job_id)

    assert counts(done) == (2, 1, 1, 0)
    assert sort(table_rows(env, "PRODUCTS", PRODUCT_FIELDS)) == [
        ("A", 1, 1.0),
        ("B", 7, 2.5),
        ("C", 1, 9.0),
    ]


def test_supplemental_append_rejects_existing_keys(app: App) -> None:
    env = account(app, supplemental_table())
    merge = products_job(env)
    append = products_job(env, "Append products", supplemental_mode="append")
    products(env, "A,1,1.0", "B,1,2.0", job_id=merge)

    done = products(env, "A,9,9.0", "C,3,3.0", job_id=append)

    assert done.state.value == "succeeded"
    assert counts(done) == (2, 1, 0, 1)
    assert sort(table_rows(env, "PRODUCTS", PRODUCT_FIELDS)) == [
        ("A", 1, 1.0),
        ("B", 1, 2.0),
        ("C", 3, 3.0),
    ]
    assert rejects_text(env, done.rejects_file) == (
        f"{PRODUCTS_HEADER},REJECT_REASON\nA,9,9.0,KEY_EXISTS\n"
    )


def test_supplemental_append_without_a_primary_key_appends_duplicates(app: App) -> None:
    env = account(app, supplemental_table(primary_key=[]))
    job_id = products_job(env, supplemental_mode="append")
    products(env, "A,1,1.0", job_id=job_id)

    done = products(env, "A,1,1.0", "A,1,1.0", "B,2,2.0", job_id=job_id)

    assert counts(done) == (3, 3, 0, 0)
    assert sort(table_rows(env, "PRODUCTS", PRODUCT_FIELDS)) == [
        ("A", 1, 1.0),
        ("A", 1, 1.0),
        ("A", 1, 1.0),
        ("B", 2, 2.0),
    ]


def test_supplemental_replace_swaps_the_whole_table(app: App) -> None:
    env = account(app, supplemental_table())
    merge = products_job(env)
    replace = products_job(env, "Replace products", supplemental_mode="replace")
    products(env, "A,1,1.0", "B,1,2.0", "C,1,3.0", job_id=merge)

    done = products(env, "B,5,5.0", "D,4,4.0", job_id=replace)

    assert done.state.value == "succeeded"
    assert counts(done) == (2, 2, 0, 0)
    assert sort(table_rows(env, "PRODUCTS", PRODUCT_FIELDS)) == [("B", 5, 5.0), ("D", 4, 4.0)]


def test_supplemental_replace_without_a_primary_key(app: App) -> None:
    env = account(app, supplemental_table(primary_key=[]))
    job_id = products_job(env, supplemental_mode="replace")
    products(env, "A,1,1.0", "A,1,1.0", job_id=job_id)

    done = products(env, "Z,9,9.0", job_id=job_id)

    assert counts(done) == (1, 1, 0, 0)
    assert table_rows(env, "PRODUCTS", PRODUCT_FIELDS) == [("Z", 9, 9.0)]


# --- the file after a successful run -------------------------------------------------------


def test_a_successful_run_archives_the_file_and_removes_it_from_upload(app: App) -> None:
    env = contacts(app)
    job = make_job(env)
    data = csv_bytes("C1,a@x.com,Berlin,")
    put(env, data)

    done = run(env, job.id)

    assert done.state.value == "succeeded"
    assert folder(env, "upload") == []
    assert folder(env, "archive") == [f"{done.id}_{FILE}"]
    with app.file_server.open_read(env.account_id, "archive", f"{done.id}_{FILE}") as f:
        assert f.read() == data
