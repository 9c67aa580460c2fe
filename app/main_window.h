#pragma once

#include <backend/feed/feed_message.h>

#include <QMainWindow>

namespace ToolCapture {

class BreakersView;
class FeedTransport;
class OverviewView;
class ServicesView;
class StatusBarPanel;

// The console's main window: the overview, services and breakers as tabs, addresses and rates
// in the status bar; every view fed by one FeedTransport.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    // `feed` must outlive the window.
    explicit MainWindow(FeedTransport *feed, QWidget *parent = nullptr);
    ~MainWindow() override;

    StatusBarPanel *statusPanel() const { return m_statusPanel; }

private:
    void createMenus();
    void showAbout();
    void route(const QList<ToolCapture::FeedMessage> &batch);

    FeedTransport *m_feed;
    OverviewView *m_overview;
    ServicesView *m_services;
    BreakersView *m_breakers;
    StatusBarPanel *m_statusPanel;
};

} // namespace ToolCapture
