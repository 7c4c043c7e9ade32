"""schemathesis against /api/schema/ of a live server: every operation, called with a valid
token and generated (mostly wrong) input, answers without a 5xx and as the schema says;
then the stateful run follows the links between operations (create, get, extend, delete).
"""

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from accounts.services import user_login
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

FUZZ_SETTINGS = hypothesis.settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same cases on every run: a failure is always reproducible
    database=None,
    # The server's state carries over between cases, so a replayed case may not fail the
    # same way: report the first failure as found rather than shrink it.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


# Checks of input handling, not of answers: a schema-valid value can still be wrong
# ("refresh": "0" is no refresh token, and its 400 is right), and unknown query
# parameters are ignored as most HTTP APIs do.
NOT_SCHEMA_CHECKS = [positive_data_acceptance, negative_data_rejection]


@pytest.fixture
def api_schema(live_server):
    return schemathesis.openapi.from_url(f"{live_server.url}/api/schema/")


def token_headers() -> dict[str, str]:
    user = UserFactory.create()
    pair = user_login(email=user.email, password=PASSWORD, client_ip="127.0.0.1")
    return {"Authorization": f"Bearer {pair.access}"}


@pytest.fixture
def auth_headers(transactional_db):
    return token_headers()


def test_every_operation_answers_as_documented(api_schema, auth_headers):
    # One loop rather than schemathesis' pytest parametrisation, which pytest 9 broke.
    for result in api_schema.get_all_operations():

        @FUZZ_SETTINGS
        @hypothesis.given(case=result.ok().as_strategy())
        def answers_as_documented(case):
            case.call_and_validate(headers=auth_headers, excluded_checks=NOT_SCHEMA_CHECKS)

        answers_as_documented()


def test_chained_operations_answer_as_documented(api_schema):
    class Workflow(api_schema.as_state_machine()):  # type: ignore[misc]
        def setup(self):
            # A new account per run: what a run finds on the server depends on its own
            # steps only (quota, names), as hypothesis needs to replay a run.
            self.headers = token_headers()

        def get_call_kwargs(self, case):
            return {"headers": self.headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response, excluded_checks=NOT_SCHEMA_CHECKS, transport_kwargs=kwargs
            )

    Workflow.run(
        settings=hypothesis.settings(FUZZ_SETTINGS, max_examples=15, stateful_step_count=6)
    )
