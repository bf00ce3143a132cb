// Reads a JSON list of HTML fields on stdin; typesets each as Anki does (MathJax 3, Anki's tex
// settings) and prints a JSON list of the resulting HTML.
const {mathjax} = require('mathjax-full/js/mathjax.js');
const {TeX} = require('mathjax-full/js/input/tex.js');
const {CHTML} = require('mathjax-full/js/output/chtml.js');
const {liteAdaptor} = require('mathjax-full/js/adaptors/liteAdaptor.js');
const {RegisterHTMLHandler} = require('mathjax-full/js/handlers/html.js');
require('mathjax-full/js/input/tex/AllPackages.js');
const adaptor = liteAdaptor();
RegisterHTMLHandler(adaptor);
const {AllPackages} = require('mathjax-full/js/input/tex/AllPackages.js');
const fields = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = fields.map((field) => {
  const doc = mathjax.document(`<html><body>${field}</body></html>`, {
    InputJax: new TeX({packages: AllPackages.filter((p) => p !== 'textmacros'), displayMath: [['\\[', '\\]']],
                       processEscapes: false, processEnvironments: false, processRefs: false}),
    OutputJax: new CHTML({fontURL: 'x'}),
  });
  doc.render();
  return adaptor.innerHTML(adaptor.body(doc.document));
});
process.stdout.write(JSON.stringify(out));
