// A paragraph's editor: CodeMirror 6 with SQL highlighting and completion of the tables and columns
// the user may see, and the interpreter's commands; Shift+Enter and Ctrl+Enter run the paragraph.
import { EditorView, keymap, placeholder } from '@codemirror/view';
import { EditorState, Prec } from '@codemirror/state';
import { basicSetup } from 'codemirror';
import { sql, StandardSQL } from '@codemirror/lang-sql';

const COMMANDS = ['tables', 'describe', 'schema', 'crosstab', 'summary', 'ols', 'logit', 'probit', 'hist', 'km', 'export', 'help'];

function commandCompletion(context) {
  const line = context.state.doc.lineAt(context.pos);
  if (line.number > 2) {
    return null;
  }
  const word = context.matchBefore(/\w*/);
  if (!word || (word.from === word.to && !context.explicit)) {
    return null;
  }
  return { from: word.from, options: COMMANDS.map((c) => ({ label: c, type: 'keyword', detail: 'enclave' })) };
}

/**
 * @param schema {tables: {name: [columns]}} for completion
 * @param onRun (moveOn) => void
 */
export function createEditor(parent, text, schema, label, onRun, onChange) {
  const runKeys = Prec.highest(keymap.of([
    { key: 'Shift-Enter', run: () => { onRun(true); return true; } },
    { key: 'Mod-Enter', run: () => { onRun(false); return true; } },
  ]));
  const language = sql({ dialect: StandardSQL, schema: schema || {}, upperCaseKeywords: true });
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: text,
      extensions: [
        runKeys,
        basicSetup,
        language,
        language.language.data.of({ autocomplete: commandCompletion }),
        placeholder('%enclave\nSELECT ...'),
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ 'aria-label': label }),
        EditorView.updateListener.of((u) => { if (u.docChanged && onChange) { onChange(); } }),
      ],
    }),
  });
  return view;
}
