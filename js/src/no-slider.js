// In place of noUiSlider, which `@jupyter-widgets/controls` imports for its own slider views. A member page
// carries none of them (controls.js): its marks are the workbook's own sliders (widgets/marks.py).
export default {
  create() {
    throw new Error("This page does not carry ipywidgets' own sliders");
  },
};
