/* MathJax 2's interface, doing nothing (workbook/voila_server.py: NO_MATHJAX_URL).
   Voila's page would otherwise fetch and run MathJax 3 (16 scripts, about 900 KB) on every page, to typeset an
   empty element at start and every widget description after; the apps show no mathematics, and a text with two
   amounts in dollars is not meant as a formula. */
window.MathJax = {
  Hub: {Config: function () {}, Configured: function () {}, Queue: function () {},
        Register: {StartupHook: function () {}}},
  Ajax: {},
  InputJax: {TeX: {resetEquationNumbers: function () {}}}
};
