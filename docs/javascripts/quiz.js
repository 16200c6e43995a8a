/* The quiz widget: see quiz/render.py for the markup it enhances. */
