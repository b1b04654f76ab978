"""The case table of ``symgrad.check``: (expected, answer, verdict, diagnosis, options).

Every verdict and diagnosis here was worked out by hand, not produced by the
code under test. ``diagnosis`` is the expected code, ``None`` for no diagnosis,
or ``ANY`` when only the verdict is asserted. ``options`` are keyword arguments
of :func:`symgrad.check` (``kind``, ``context``, ``domain``, ``rtol``...).
Context blocks reproduce the chapter's computational exercises (study guide 1-5)
and its worked examples (sections 7.2, 9.4, 11.5, 13.5).
"""

ANY = "*"

# Study guide 1: grad of L = w0^2 + w0 w1 + 2 w1^2 at (1, 2) = (2w0 + w1, w0 + 4w1) = (4, 9)
EX1 = {"kind": "gradient_at", "variables": ["w0", "w1"],
       "context": {"function": "w0^2 + w0*w1 + 2*w1^2", "point": [1, 2]}}
# Study guide 2: one GD step from (2, 3), eta = 0.1: grad = (7, 14), new w = (1.3, 1.6)
EX2 = {"kind": "gd_step", "variables": ["w0", "w1"],
       "context": {"function": "w0^2 + w0*w1 + 2*w1^2", "point": [2, 3], "learning_rate": "1/10"}}
# Study guide 3: Hessian of w0^2 + w1^2 + w2^2 + w0 w1
EX3 = {"kind": "hessian", "context": {"function": "w0^2 + w1^2 + w2^2 + w0*w1"}}
H3 = "[[2, 1, 0], [1, 2, 0], [0, 0, 2]]"
# Study guide 4: is w^4 convex? yes (f'' = 12 w^2 >= 0)
EX4 = {"kind": "convexity", "context": {"function": "w^4"}}
# Study guide 5: second-order Taylor of sin(x) at 0 is x
EX5 = {"kind": "taylor2", "context": {"function": "sin(x)", "point": [0]}}
# Section 9.4: grad of 2w0^2 + 3w1^2 at (3, 4) = (12, 24); step with eta 0.1 -> (1.8, 1.6)
EX94G = {"kind": "gradient_at", "variables": ["w0", "w1"], "context": {"function": "2*w0^2 + 3*w1^2", "point": [3, 4]}}
EX94S = {"kind": "gd_step", "variables": ["w0", "w1"],
         "context": {"function": "2*w0^2 + 3*w1^2", "point": [3, 4], "learning_rate": "0.1"}}
# Section 7.2: L = w^2 at w = 3, eta 0.1 -> 2.4
EX72 = {"kind": "gd_step", "variables": ["w"], "context": {"function": "w^2", "point": [3], "learning_rate": "0.1"}}
# Section 11.5 and 13.5 Hessians
EX115 = {"kind": "hessian", "context": {"function": "2*w0^2 + 3*w1^2"}}
EX135 = {"kind": "hessian", "context": {"function": "w0^2 + 2*w0*w1 + 3*w1^2"}}
# e^x second-order Taylor at 0: 1 + x + x^2/2
EXP2 = {"kind": "taylor2", "context": {"function": "exp(x)", "point": [0]}}
# Taylor of w0^2 w1 around (1, 1): 1 + 2(w0-1) + (w1-1) + (w0-1)^2 + 2(w0-1)(w1-1)
T2D = {"kind": "taylor2", "context": {"function": "w0^2*w1", "point": [1, 1]}}
T2D_KEY = "1 + 2*(w0-1) + (w1-1) + (w0-1)^2 + 2*(w0-1)*(w1-1)"
# chain rule: d/dx (3x^2 + 1)^5 = 30 x (3x^2+1)^4
CHAIN = {"kind": "derivative", "context": {"function": "(3*x^2 + 1)^5"}}
CHAIN2 = {"kind": "gradient", "context": {"function": "sin(w0*w1)"}}
CHAIN3 = {"kind": "derivative", "context": {"function": "exp(-x^2)"}}
# section 9.5: grad sqrt(w0^2 + w1^2)
NORM = {"kind": "gradient", "context": {"function": "sqrt(w0^2 + w1^2)"}}
POS = {"domain": {"x": "positive"}}
POSAB = {"domain": {"a": "positive", "b": "positive"}}

CASES = [
    # ---------------------------------------------------------------- exercise 1: gradient at a point
    ("[4, 9]", "[4, 9]", "correct", None, EX1),
    ("[4, 9]", "(4, 9)", "correct", None, EX1),
    ("[4, 9]", "[[4], [9]]", "correct", None, EX1),
    ("[4, 9]", "[[4, 9]]", "correct", None, EX1),
    ("[4, 9]", "[4; 9]", "correct", None, EX1),
    ("[4, 9]", "\\begin{bmatrix} 4 \\\\ 9 \\end{bmatrix}", "correct", None, EX1),
    ("[4, 9]", "\\begin{pmatrix} 4 & 9 \\end{pmatrix}", "correct", None, EX1),
    ("[4, 9]", "[4.0, 9.0]", "correct", None, EX1),
    ("[4, 9]", "[8/2, 18/2]", "correct", None, EX1),
    ("[4, 9]", "[2*1 + 2, 1 + 4*2]", "correct", None, EX1),
    ("[4, 9]", "w0 = 4, w1 = 9", "correct", None, EX1),
    ("[4, 9]", "[-4, -9]", "incorrect", "sign_error", EX1),
    ("[4, 9]", "[4, -9]", "incorrect", "sign_error", EX1),
    ("[4, 9]", "[9, 4]", "incorrect", "transposed_entries", EX1),
    ("[4, 9]", "[2*w0 + w1, w0 + 4*w1]", "incorrect", "not_evaluated", EX1),
    ("[4, 9]", "[5, 6]", "incorrect", "wrong_point", EX1),   # evaluated at (2, 1)
    ("[4, 9]", "[0, 0]", "incorrect", ANY, EX1),
    ("[4, 9]", "[2, 9]", "incorrect", "dropped_factor", EX1),
    ("[4, 9]", "[8, 9]", "incorrect", "doubled_factor", EX1),
    ("[4, 9]", "[4, 9, 0]", "incorrect", "wrong_shape", EX1),
    ("[4, 9]", "4", "incorrect", "wrong_kind", EX1),  # a scalar for a vector (issue 15)
    ("[4, 9]", "[[4, 9], [9, 4]]", "incorrect", "wrong_shape", EX1),
    ("[4, 9]", "convex", "incorrect", "wrong_kind", EX1),
    ("[4, 9]", "[4, 9", "invalid", None, EX1),
    ("[4, 9]", "", "invalid", None, EX1),
    ("[4, 9]", "[4, 10]", "incorrect", ANY, EX1),
    # ---------------------------------------------------------------- exercise 2: one gradient-descent step
    ("[1.3, 1.6]", "[1.3, 1.6]", "correct", None, EX2),
    ("[1.3, 1.6]", "[13/10, 8/5]", "correct", None, EX2),
    ("[1.3, 1.6]", "(1.30, 1.60)", "correct", None, EX2),
    ("[1.3, 1.6]", "w0 = 1.3, w1 = 1.6", "correct", None, EX2),
    ("[1.3, 1.6]", "w1 = 1.6, w0 = 1.3", "correct", None, EX2),
    ("[1.3, 1.6]", "[2 - 0.1*7, 3 - 0.1*14]", "correct", None, EX2),
    ("[1.3, 1.6]", "[2.7, 4.4]", "incorrect", "gradient_ascent", EX2),
    ("[1.3, 1.6]", "[-5, -11]", "incorrect", "wrong_learning_rate", EX2),      # eta = 1
    ("[1.3, 1.6]", "[1.65, 2.3]", "incorrect", "wrong_learning_rate", EX2),    # eta = 0.05
    ("[1.3, 1.6]", "[1.6, 1.3]", "incorrect", "transposed_entries", EX2),
    ("[1.3, 1.6]", "[1.3, 1.7]", "incorrect", ANY, EX2),
    ("[1.3, 1.6]", "[1.2999, 1.6]", "incorrect", "inexact_decimal", EX2),
    ("[1.3, 1.6]", "[1.3]", "incorrect", "wrong_kind", EX2),  # [1.3] is the single value 1.3
    ("[1.3, 1.6]", "w0 = 1.3", "incorrect", "wrong_shape", EX2),
    ("[1.3, 1.6]", "[1.3, 1.6]]", "invalid", None, EX2),
    # ---------------------------------------------------------------- exercise 3: Hessian
    (H3, H3, "correct", None, EX3),
    (H3, "[[2,1,0],[1,2,0],[0,0,2]]", "correct", None, EX3),
    (H3, "\\begin{bmatrix} 2 & 1 & 0 \\\\ 1 & 2 & 0 \\\\ 0 & 0 & 2 \\end{bmatrix}", "correct", None, EX3),
    (H3, "[[2.0, 1.0, 0], [1, 2, 0], [0, 0, 2]]", "correct", None, EX3),
    (H3, "[[2, 2, 0], [2, 2, 0], [0, 0, 2]]", "incorrect", "doubled_factor", EX3),
    (H3, "[[1, 1, 0], [1, 1, 0], [0, 0, 1]]", "incorrect", "dropped_factor", EX3),
    (H3, "[[-2, -1, 0], [-1, -2, 0], [0, 0, -2]]", "incorrect", "sign_error", EX3),
    (H3, "[[2, 1], [1, 2]]", "incorrect", "wrong_shape", EX3),
    (H3, "[2, 2, 2]", "incorrect", "wrong_shape", EX3),
    (H3, "[[2, 1, 0], [1, 2, 0], [0, 0, 3]]", "incorrect", ANY, EX3),
    (H3, "[[2, 1, 0], [1, 2, 0], [0, 0, 2", "invalid", None, EX3),
    # ---------------------------------------------------------------- exercise 4: convexity verdict
    ("convex", "convex", "correct", None, EX4),
    ("convex", "Convex.", "correct", None, EX4),
    ("convex", "it is convex", "correct", None, EX4),
    ("convex", "yes", "correct", None, EX4),
    ("convex", "strictly convex", "correct", None, EX4),
    ("convex", "not convex", "incorrect", "semidefinite_confusion", EX4),
    ("convex", "non-convex", "incorrect", "semidefinite_confusion", EX4),
    ("convex", "no", "incorrect", "semidefinite_confusion", EX4),
    ("convex", "concave", "incorrect", "wrong_verdict", EX4),
    ("convex", "[1, 2]", "incorrect", "wrong_kind", EX4),
    ("not convex", "not convex", "correct", None, {"kind": "convexity"}),
    ("not convex", "convex", "incorrect", "wrong_verdict", {"kind": "convexity"}),
    ("minimum", "local minimum", "correct", None, {"kind": "classify"}),
    ("minimum", "min", "correct", None, {"kind": "classify"}),
    ("saddle", "saddle point", "correct", None, {"kind": "classify"}),
    ("saddle", "maximum", "incorrect", "wrong_verdict", {"kind": "classify"}),
    ("maximum", "minimum", "incorrect", "wrong_verdict", {"kind": "classify"}),
    # ---------------------------------------------------------------- exercise 5: Taylor
    ("x", "x", "correct", None, EX5),
    ("x", "x + 0*x^2", "correct", None, EX5),
    ("x", "0 + 1*x - 0/2*x^2", "correct", None, EX5),
    ("x", "x - x^3/6", "incorrect", ANY, EX5),
    ("x", "sin(x)", "incorrect", ANY, EX5),
    ("x", "1 + x", "incorrect", ANY, EX5),
    ("1 + x + x^2/2", "1 + x + x^2/2", "correct", None, EXP2),
    ("1 + x + x^2/2", "1 + x + 0.5*x^2", "correct", None, EXP2),
    ("1 + x + x^2/2", "(x^2 + 2*x + 2)/2", "correct", None, EXP2),
    ("1 + x + x^2/2", "1 + x + \\frac{x^2}{2!}", "correct", None, EXP2),
    ("1 + x + x^2/2", "1 + x + x^2", "incorrect", "taylor_missing_half", EXP2),
    ("1 + x + x^2/2", "1 + x", "incorrect", "taylor_first_order_only", EXP2),
    ("1 + x + x^2/2", "1 + x + x^2/2 + x^3/6", "incorrect", ANY, EXP2),
    (T2D_KEY, T2D_KEY, "correct", None, T2D),
    (T2D_KEY, "w0^2 + 2*w0*w1 - 2*w0 - 2*w1 + 1 + w1 - 1 + 1", "correct", ANY, T2D),
    (T2D_KEY, "1 + 2*(w0-1) + (w1-1) + 2*(w0-1)^2 + 4*(w0-1)*(w1-1)", "incorrect", "taylor_missing_half", T2D),
    (T2D_KEY, "1 + 2*(w0-1) + (w1-1)", "incorrect", "taylor_first_order_only", T2D),
    # ---------------------------------------------------------------- worked examples of the chapter
    ("[12, 24]", "[12, 24]", "correct", None, EX94G),
    ("[12, 24]", "[-12, -24]", "incorrect", "sign_error", EX94G),
    ("[12, 24]", "[4*w0, 6*w1]", "incorrect", "not_evaluated", EX94G),
    ("[12, 24]", "[16, 18]", "incorrect", "wrong_point", EX94G),   # at (4, 3)
    ("[12, 24]", "[6, 12]", "incorrect", "dropped_factor", EX94G),
    ("[1.8, 1.6]", "[1.8, 1.6]", "correct", None, EX94S),
    ("[1.8, 1.6]", "[9/5, 8/5]", "correct", None, EX94S),
    ("[1.8, 1.6]", "[4.2, 6.4]", "incorrect", "gradient_ascent", EX94S),
    ("[1.8, 1.6]", "[-9, -20]", "incorrect", "wrong_learning_rate", EX94S),
    ("2.4", "2.4", "correct", None, EX72),
    ("2.4", "12/5", "correct", None, EX72),
    ("2.4", "w = 2.4", "correct", None, EX72),
    ("2.4", "3.6", "incorrect", "gradient_ascent", EX72),
    ("2.4", "-3", "incorrect", "wrong_learning_rate", EX72),
    ("[[4, 0], [0, 6]]", "[[4, 0], [0, 6]]", "correct", None, EX115),
    ("[[4, 0], [0, 6]]", "[[2, 0], [0, 3]]", "incorrect", "dropped_factor", EX115),
    ("[[4, 0], [0, 6]]", "[[4, 0], [0, -6]]", "incorrect", "sign_error", EX115),
    ("[[2, 2], [2, 6]]", "[[2, 2], [2, 6]]", "correct", None, EX135),
    ("[[2, 2], [2, 6]]", "[[2, 1], [1, 6]]", "incorrect", "dropped_factor", EX135),
    ("[[2, 2], [2, 6]]", "[[2, 4], [4, 6]]", "incorrect", "doubled_factor", EX135),
    ("[[2, 2], [2, 6]]", "[[6, 2], [2, 2]]", "incorrect", ANY, EX135),
    # ---------------------------------------------------------------- eigenvalues (sets)
    ("{4 + 2*sqrt(2), 4 - 2*sqrt(2)}", "{4 - 2*sqrt(2), 4 + 2*sqrt(2)}", "correct", None, {"kind": "eigenvalues"}),
    ("{4 + 2*sqrt(2), 4 - 2*sqrt(2)}", "[4 + sqrt(8), 4 - sqrt(8)]", "correct", None, {"kind": "eigenvalues"}),
    ("{4 + 2*sqrt(2), 4 - 2*sqrt(2)}", "{4 + 2*sqrt(2)}", "incorrect", "wrong_shape", {"kind": "eigenvalues"}),
    ("{4 + 2*sqrt(2), 4 - 2*sqrt(2)}", "{6.83, 1.17}", "incorrect", ANY, {"kind": "eigenvalues"}),
    ("{4 + 2*sqrt(2), 4 - 2*sqrt(2)}", "{6.83, 1.17}", "correct", None, {"kind": "eigenvalues", "rtol": 1e-2}),
    ("{2, 3}", "{3, 2}", "correct", None, {"kind": "set"}),
    ("{2, 3}", "(3, 2)", "correct", None, {"kind": "set"}),
    ("{2, 3}", "{2, 4}", "incorrect", None, {"kind": "set"}),
    ("{2, 3}", "{2, 3, 4}", "incorrect", "wrong_shape", {"kind": "set"}),
    # ---------------------------------------------------------------- equations
    ("w0 = 1.8", "w0 = 1.8", "correct", None, {}),
    ("w0 = 1.8", "w0 = 9/5", "correct", None, {}),
    ("w0 = 1.8", "1.8", "incorrect", "wrong_kind", {}),  # a value is not an equation (issue 15)
    ("w0 = 1.8", "w0 = 1.6", "incorrect", None, {}),
    ("w0 = 1.8", "w0 = -1.8", "incorrect", "sign_error", {}),
    ("y = 2*x + 1", "y - 2*x = 1", "correct", None, {}),
    ("y = 2*x + 1", "2*y = 4*x + 2", "correct", None, {}),
    ("y = 2*x + 1", "2*x + 1 = y", "correct", None, {}),
    ("y = 2*x + 1", "y = 2*x - 1", "incorrect", ANY, {}),
    ("w0 = 1.3, w1 = 1.6", "w1 = 1.6, w0 = 1.3", "correct", None, {}),
    ("w0 = 1.3, w1 = 1.6", "w0 = 1.3, w1 = 1.5", "incorrect", ANY, {}),
    # ---------------------------------------------------------------- scalar expressions and numbers
    ("2*x", "2x", "correct", None, {}),
    ("2*x", "x*2", "correct", None, {}),
    ("2*x", "x + x", "correct", None, {}),
    ("2*x", "-2*x", "incorrect", "sign_error", {}),
    ("2*x", "x", "incorrect", "dropped_factor", {}),
    ("2*x", "4*x", "incorrect", "doubled_factor", {}),
    ("2*x", "2*y", "incorrect", "unexpected_variable", {}),
    ("2*x", "2*x + 1", "incorrect", None, {}),
    ("x^2 + 2*x + 1", "(x + 1)^2", "correct", None, {}),
    ("x^2 + 2*x + 1", "(x+1)*(1+x)", "correct", None, {}),
    ("x^2 - 1", "(x - 1)*(x + 1)", "correct", None, {}),
    ("x + 1", "(x^2 - 1)/(x - 1)", "correct", "unsimplified", {}),
    ("1", "sin(x)^2 + cos(x)^2", "correct", "unsimplified", {}),
    ("cos(2*x)", "cos(x)^2 - sin(x)^2", "correct", ANY, {}),
    ("sin(2*x)", "2*sin(x)*cos(x)", "correct", ANY, {}),
    ("exp(2*x)", "exp(x)^2", "correct", None, {}),
    ("exp(x + y)", "exp(x)*exp(y)", "correct", None, {}),
    ("x", "sqrt(x^2)", "incorrect", ANY, {}),
    ("x", "sqrt(x^2)", "correct", None, POS),
    ("abs(x)", "sqrt(x^2)", "correct", None, {}),
    ("log(a) + log(b)", "log(a*b)", "correct", None, {}),  # equal wherever the key is real (a, b > 0)
    ("log(a) + log(b)", "log(a*b)", "correct", None, POSAB),
    ("log(a) - log(b)", "log(a/b)", "correct", None, POSAB),
    ("2*log(x)", "log(x^2)", "correct", None, POS),
    ("1/x", "x^(-1)", "correct", None, {}),
    ("1/(2*sqrt(x))", "sqrt(x)/(2*x)", "correct", None, POS),
    ("x^(1/2)", "sqrt(x)", "correct", None, POS),
    ("w0/sqrt(w0^2 + w1^2)", "w0*(w0^2 + w1^2)^(-1/2)", "correct", None, {}),
    ("1/3", "1/3", "correct", None, {}),
    ("1/3", "2/6", "correct", None, {}),
    ("1/3", "0.333", "incorrect", "inexact_decimal", {}),
    ("1/3", "0.333", "correct", None, {"rtol": 1e-2}),
    ("1/3", "0.3", "incorrect", None, {"rtol": 1e-2}),
    ("1/3", "0.33", "correct", None, {"atol": 0.01}),
    ("0.5", "1/2", "correct", None, {}),
    ("1/2", "0.5", "correct", None, {}),
    ("66", "66", "correct", None, {}),
    ("66", "2*9 + 3*16", "correct", None, {}),
    ("13.75", "55/4", "correct", None, {}),
    ("13.75", "13.7", "incorrect", "inexact_decimal", {}),
    ("sqrt(2)", "2^(1/2)", "correct", None, {}),
    ("sqrt(2)", "1.41421356", "incorrect", "inexact_decimal", {}),
    ("sqrt(2)", "1.41421356", "correct", None, {"rtol": 1e-6}),
    ("pi", "3.14159", "incorrect", "inexact_decimal", {}),
    ("4 + 2*sqrt(2)", "(8 + sqrt(32))/2", "correct", ANY, {}),
    ("exp(1)", "e", "correct", None, {}),
    ("x/2", "0.5*x", "correct", None, {}),
    ("x/2", "\\frac{x}{2}", "correct", None, {}),
    ("x^2", "x²", "correct", None, {}),
    ("2*w0", "2 w_0", "correct", None, {}),
    ("2*w0", "2*w₀", "correct", None, {}),
    ("2*w0", "2*w0 +", "invalid", None, {}),
    ("2*w0", "import os", "invalid", None, {}),
    ("2*w0", "__import__('os')", "invalid", None, {}),
    ("2*w0", "9^9^9^9^9^9", "invalid", None, {}),
    ("2*w0", "x" * 6000, "invalid", None, {}),
    # ---------------------------------------------------------------- chain rule
    ("30*x*(3*x^2 + 1)^4", "30*x*(3*x^2 + 1)^4", "correct", None, CHAIN),
    ("30*x*(3*x^2 + 1)^4", "6*x*5*(3*x^2 + 1)^4", "correct", None, CHAIN),
    ("30*x*(3*x^2 + 1)^4", "5*(3*x^2 + 1)^4", "incorrect", "missing_chain_factor", CHAIN),
    ("30*x*(3*x^2 + 1)^4", "-30*x*(3*x^2 + 1)^4", "incorrect", "sign_error", CHAIN),
    ("30*x*(3*x^2 + 1)^4", "15*x*(3*x^2 + 1)^4", "incorrect", "dropped_factor", CHAIN),
    ("-2*x*exp(-x^2)", "-2*x*exp(-x^2)", "correct", None, CHAIN3),
    ("-2*x*exp(-x^2)", "-2x e^{-x^2}", "correct", None, CHAIN3),
    ("-2*x*exp(-x^2)", "exp(-x^2)", "incorrect", "missing_chain_factor", CHAIN3),
    ("-2*x*exp(-x^2)", "2*x*exp(-x^2)", "incorrect", "sign_error", CHAIN3),
    ("[w1*cos(w0*w1), w0*cos(w0*w1)]", "[w1*cos(w0*w1), w0*cos(w0*w1)]", "correct", None, CHAIN2),
    ("[w1*cos(w0*w1), w0*cos(w0*w1)]", "[cos(w0*w1), cos(w0*w1)]", "incorrect", "missing_chain_factor", CHAIN2),
    ("[w1*cos(w0*w1), w0*cos(w0*w1)]", "[w1*cos(w0*w1), cos(w0*w1)]", "incorrect", "missing_chain_factor", CHAIN2),
    ("[w1*cos(w0*w1), w0*cos(w0*w1)]", "[w0*cos(w0*w1), w1*cos(w0*w1)]", "incorrect", "transposed_entries", CHAIN2),
    ("[w0/sqrt(w0^2 + w1^2), w1/sqrt(w0^2 + w1^2)]",
     "1/sqrt(w0^2 + w1^2) * [w0, w1]", "correct", None, NORM),
    ("[w0/sqrt(w0^2 + w1^2), w1/sqrt(w0^2 + w1^2)]",
     "[1/(2*sqrt(w0^2 + w1^2)), 1/(2*sqrt(w0^2 + w1^2))]", "incorrect", "missing_chain_factor", NORM),
    ("[w0/sqrt(w0^2 + w1^2), w1/sqrt(w0^2 + w1^2)]",
     "[2*w0/sqrt(w0^2 + w1^2), 2*w1/sqrt(w0^2 + w1^2)]", "incorrect", "doubled_factor", NORM),
]
