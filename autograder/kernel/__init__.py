"""The kernel's side: where the student's code runs. The sandbox (``sandbox``, ``cgroups``), prepared
kernels (``kernels``), the environment kernels get (``stderr_noise``), and the code sent into the kernel as
text: the agent that answers the judge (``agent``) and the detector of changed objects (``guard``). Nothing
that decides a score runs here."""
