"""Results, after grading: records of each student's run (``records``), what an autograded notebook
says (``notebook_report``), feedback pages, grade tables and LMS files (``feedback``, ``export``, ``lms``)."""
