"""(in progress)"""
from flask import Blueprint

bp = Blueprint("scenarios", __name__)
