"""`python app.py`: the tf_nst web page, as a Hugging Face Space runs it (same flags as `tf-nst serve`).
Listens on $GRADIO_SERVER_NAME (a Space sets 0.0.0.0), else on 127.0.0.1 only."""
import os
import sys

from tf_nst.core import cpu

cpu.enable_onednn()  # before TensorFlow is imported (tf_nst.cli.serve imports it)
from tf_nst.cli import serve  # noqa: E402

if __name__ == "__main__":
    serve.run(["app.py", f"--host={os.environ.get('GRADIO_SERVER_NAME', '127.0.0.1')}", *sys.argv[1:]])
