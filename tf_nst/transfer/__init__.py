"""Fast transfer: the FastModel interface, the transform networks' model, the options, the file and
folder pipeline and the contact sheet."""
