from dataconnect.bootstrap import App
from dataconnect.testing import contacts_table, group_request, import_job, make_account


def test_the_demo_shapes_work_on_both_databases(app: App) -> None:
    caller, _ = make_account(app)
    app.tables.create(caller, contacts_table())
    first = app.jobs.create(caller, import_job("One"))
    second = app.jobs.create(caller, import_job("Two"))
    group = app.groups.create(caller, group_request("Nightly", [first.id, second.id]))
    assert app.groups.get(caller, group.id).job_ids == (first.id, second.id)
