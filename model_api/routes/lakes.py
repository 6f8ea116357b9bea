"""(in progress)"""
from flask import Blueprint

bp = Blueprint("lakes", __name__)
