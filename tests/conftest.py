def pytest_addoption(parser):
    parser.addoption(
        "--keep-stack",
        action="store_true",
        help="leave the test stack running after the run, for debugging (its project name is printed)",
    )
