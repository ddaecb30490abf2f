# nbgrader's configuration for the lossbook course (nbgrader 0.9, pinned in requirements.txt).
# nbgrader reads this file from the folder it runs in: run it in course/, or use
# `python tools/course.py ...` (the Make targets), which does that for you.
# Layout (nbgrader's): source/<assignment>/<assignment>.ipynb are the instructor notebooks,
# release/ the student copies, submitted/<student>/<assignment>/ what students hand in,
# autograded/ and feedback/ what grading writes, gradebook.db the grades. Only source/ and
# this file are in git.
from pathlib import Path

from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor, Preprocessor
from nbgrader.preprocessors import ClearHiddenTests, GetGrades

c = get_config()  # noqa: F821  (nbgrader provides it)
HERE = Path(__file__).resolve().parent

c.CourseDirectory.course_id = "lossbook"
c.CourseDirectory.root = str(HERE)
c.CourseDirectory.db_url = f"sqlite:///{HERE / 'gradebook.db'}"

# The release copy: code between the solution markers becomes this stub; "YOUR ANSWER HERE"
# in markdown answers (nbgrader's default).
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}

# Autograding. A cell that runs longer than this is interrupted and fails (its question earns
# nothing), the rest of the notebook still runs; tools/course.py also stops a whole notebook
# after its --timeout. lb.exercises.check stops a student's function after 30 s by itself.
c.Execute.timeout = 300
c.Execute.interrupt_on_timeout = True
# A graded test cell that a student deleted is put back (marked) and run, as nbgrader offers:
# deleting a test does not skip it. Locked cells a student edited are restored by nbgrader.
c.OverwriteCells.add_missing_cells = True



class ShortTracebacks(Preprocessor):
    """In feedback, an error shows its message only (a failed check's message is its whole
    report); a traceback would quote the test cell's source, hidden tests included."""

    enabled = True

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output["traceback"] = [f"{output['ename']}: {output['evalue']}"]
        return cell, resources


# Feedback shows what the grader ran, without the hidden tests' code (their results stay), so
# that the assignment can be reused.
c.GenerateFeedback.preprocessors = [ClearHiddenTests, ShortTracebacks, GetGrades,
                                    CSSHTMLHeaderPreprocessor]

# Hosting on JupyterHub: point the exchange at a folder all users can reach, e.g.
# c.Exchange.root = "/srv/nbgrader/exchange"
# and list the students (or let `nbgrader autograde --create` add them as they come).
