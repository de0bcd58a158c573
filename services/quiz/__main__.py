"""`python -m services.quiz` runs this service alone with deploy/nameko.yaml."""
from common.runner import run_service

run_service("services.quiz.service")
