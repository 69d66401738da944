// The standard controls a member page carries: those the member pages' notebooks make, and no others.
//
// `@jupyter-widgets/controls` as a whole is some 110 KB of a phone's script (sliders, colour and file pickers,
// media, tags), which a member page never shows. Each name below is a model or view class the three member
// apps create (tests/unit/test_page_js.py runs their tests under Voila's settings and fails on any class this
// list lacks); a notebook that asks for another one is told so in the page (page.js, `loadClass`).
export {
  BoxModel, BoxView, HBoxModel, HBoxView, VBoxModel, VBoxView,
} from '@jupyter-widgets/controls/lib/widget_box';
export { ButtonModel, ButtonView, ButtonStyleModel } from '@jupyter-widgets/controls/lib/widget_button';
export {
  CheckboxModel, CheckboxView, CheckboxStyleModel,
} from '@jupyter-widgets/controls/lib/widget_bool';
export { DescriptionStyleModel } from '@jupyter-widgets/controls/lib/widget_description';
export { BoundedIntTextModel, IntTextView } from '@jupyter-widgets/controls/lib/widget_int';
export {
  DropdownModel, DropdownView, ToggleButtonsModel, ToggleButtonsView, ToggleButtonsStyleModel,
} from '@jupyter-widgets/controls/lib/widget_selection';
export {
  HTMLModel, HTMLView, HTMLStyleModel, TextModel, TextView, TextStyleModel, TextareaModel, TextareaView,
} from '@jupyter-widgets/controls/lib/widget_string';
