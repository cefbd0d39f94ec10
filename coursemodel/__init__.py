"""The course as both of its tools see it: the assignments and their notebooks (``layout``), nbgrader's
vocabulary of cells and markers (``cells``), what a piece of code defines, binds, reads and imports
(``code``), and which assignments' answers a student may see (``layout.Course.not_due``). It imports neither
``authoring`` nor ``autograder``; both import it."""
