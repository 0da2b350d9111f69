from setuptools import find_packages, setup

setup(
    name="tf_nst",
    version="0.1.0",
    description="Neural style transfer on TensorFlow 2 / Keras 3: Gatys, MRF fusion, fast feed-forward, local.",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    python_requires=">=3.10",
    packages=find_packages(include=["tf_nst", "tf_nst.*"]),
    package_data={"tf_nst": ["assets/*", "models/*.npz"]},
    install_requires=[
        "tensorflow>=2.16",
        "keras>=3.0",
        "tensorflow-probability[tf]>=0.24",
        "numpy",
        "pillow",
        "scipy",
        "absl-py",
        "matplotlib",
        "ml-collections",
        "tensorboard",
        "tensorflow-hub",
        "tensorflow-serving-api",  # the warm-up requests every SavedModel export writes (its protos)
        "ai-edge-litert",
        "opencv-python-headless",  # 16-bit PNG/TIFF output; optical flow for video
        "av",  # video decoding / encoding (FFmpeg in the wheel)
    ],
    extras_require={
        "web": ["gradio>=5"],  # tf-nst serve
        "beam": ["apache-beam>=2.78,<3"],  # tf-nst batch (with TensorFlow 2.21 it resolves to protobuf < 7)
        "docs": ["mkdocs-material>=9", "mkdocstrings[python]>=0.24"],  # mkdocs build / serve
        # the browser tests also need Debian's chromium and chromium-driver (the README's test line installs them)
        "test": ["pytest", "pytest-timeout", "nbclient", "nbformat", "ipykernel", "gradio>=5", "selenium>=4.10",
                 "mkdocs-material>=9", "mkdocstrings[python]>=0.24", "apache-beam>=2.78,<3"],
    },
    entry_points={"console_scripts": ["tf-nst=tf_nst.cli.main:main"]},
)
