#pragma once

// The two looks of the console: the platform's own, and a dark high-contrast one for wall
// displays. Applied application-wide with a QPalette (and the Fusion style, which honours
// palettes everywhere), so every widget and dialog follows.

namespace dr::ui {

class Theme
{
public:
    static void apply(bool highContrast);
};

} // namespace dr::ui
