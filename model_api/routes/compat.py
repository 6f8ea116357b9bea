"""(in progress)"""
from flask import Blueprint

bp = Blueprint("compat", __name__)
