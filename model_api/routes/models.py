"""(in progress)"""
from flask import Blueprint

bp = Blueprint("models", __name__)
