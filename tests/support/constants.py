"""Values shared by fixtures and tests (importable, unlike conftest modules)."""

#: Admin API key the test servers are started with (protects /v1/admin/reload).
TEST_API_KEY = "test-admin-key"
