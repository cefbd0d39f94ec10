"""The judge, on the grader's side of the process boundary: it runs every test of a notebook with the
instructor's code and data, and asks the kernel only for plain values (``wire``) through ``remote``."""
