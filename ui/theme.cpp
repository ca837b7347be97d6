#include "theme.h"

#include <QApplication>
#include <QPalette>
#include <QStyle>
#include <QStyleFactory>

namespace dr::ui {

void Theme::apply(bool highContrast)
{
    // Fusion draws with the palette on every platform; native styles may ignore it.
    if (QStyle *fusion = QStyleFactory::create(QStringLiteral("Fusion")))
        QApplication::setStyle(fusion);
    if (!highContrast) {
        QApplication::setPalette(QApplication::style()->standardPalette());
        return;
    }
    QPalette p;
    const QColor black(0, 0, 0);
    const QColor white(255, 255, 255);
    const QColor yellow(255, 220, 0);
    p.setColor(QPalette::Window, black);
    p.setColor(QPalette::WindowText, white);
    p.setColor(QPalette::Base, QColor(0x10, 0x10, 0x10));
    p.setColor(QPalette::AlternateBase, QColor(0x28, 0x28, 0x28));
    p.setColor(QPalette::Text, white);
    p.setColor(QPalette::Button, QColor(0x20, 0x20, 0x20));
    p.setColor(QPalette::ButtonText, white);
    p.setColor(QPalette::BrightText, yellow);
    p.setColor(QPalette::Highlight, yellow);
    p.setColor(QPalette::HighlightedText, black);
    p.setColor(QPalette::ToolTipBase, black);
    p.setColor(QPalette::ToolTipText, white);
    p.setColor(QPalette::Link, yellow);
    p.setColor(QPalette::PlaceholderText, QColor(0xb0, 0xb0, 0xb0));
    for (auto role : { QPalette::WindowText, QPalette::Text, QPalette::ButtonText })
        p.setColor(QPalette::Disabled, role, QColor(0x90, 0x90, 0x90));
    QApplication::setPalette(p);
}

} // namespace dr::ui
