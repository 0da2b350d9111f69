"""``python -m tf_nst.web [--host=… --port=…]``: the page, as ``tf-nst serve`` starts it (an app.py for a Space)."""
from tf_nst.apps import serve

if __name__ == "__main__":
    import sys
    serve.run(["python -m tf_nst.web"] + sys.argv[1:])
